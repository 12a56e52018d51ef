import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { DataEnvelope, DeletedSchema, ErrorResponse, IdParams, ListEnvelope } from '../../http/schemas.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import {
  BRAND_READ_ONLY_FIELDS,
  BrandSchema,
  CreateBrandBody,
  ListBrandsQuery,
  ReplaceBrandBody,
  UpdateBrandBody,
} from './brands.schemas.js';
import * as service from './brands.service.js';

const Params = IdParams('Brand', 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Brands'];
const readOnly = BRAND_READ_ONLY_FIELDS;

export async function brandsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;

  app.get<{ Querystring: Static<typeof ListBrandsQuery> }>(
    '/brands',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'listBrands',
        summary: 'List brands',
        querystring: ListBrandsQuery,
        response: { 200: ListEnvelope(Type.Ref(BrandSchema), 'A page of brands') },
      },
    },
    async (request) => {
      const { page = 1, limit = 20, cursor, sortBy = 'createdAt', sortOrder = 'desc', name } = request.query;
      return service.listBrands(ctx, request.principal, { page, limit, cursor, sortBy, sortOrder }, { name });
    },
  );

  app.post<{ Body: Static<typeof CreateBrandBody> }>(
    '/brands',
    {
      config: { scope: 'admin' },
      preValidation: readOnly.refuse,
      schema: {
        tags: TAGS,
        operationId: 'createBrand',
        summary: 'Create a brand',
        body: CreateBrandBody,
        response: { 201: DataEnvelope(Type.Ref(BrandSchema), 'The brand, created') },
      },
    },
    async (request, reply) => {
      const brand = await service.createBrand(ctx, request.principal, request.body);
      reply.code(201).header('Location', resourceUrl(deps, request, `/brands/${brand.id}`));
      return { data: brand };
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/brands/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'getBrand',
        summary: 'Retrieve a brand',
        params: Params,
        response: { 200: DataEnvelope(Type.Ref(BrandSchema), 'The brand') },
      },
    },
    async (request) => ({ data: await service.getBrand(ctx, request.principal, request.params.id) }),
  );

  app.put<{ Params: Static<typeof Params>; Body: Static<typeof ReplaceBrandBody> }>(
    '/brands/:id',
    {
      config: { scope: 'admin' },
      ...readOnly.put((request, id) => service.getBrand(ctx, request.principal, id)),
      schema: {
        tags: TAGS,
        operationId: 'replaceBrand',
        summary: 'Replace a brand',
        description:
          'PUT replaces the editable fields: `name` is required; `timezone` left out becomes UTC, `voice` null ' +
          'and `colors` empty. Use PATCH to change some fields only. The body may carry the read-only fields ' +
          '(`id`, `createdAt`, `updatedAt`) exactly as GET returned them, so a brand read with GET can be sent ' +
          'back edited; a read-only field with another value is 400 naming it.',
        params: Params,
        body: ReplaceBrandBody,
        response: { 200: DataEnvelope(Type.Ref(BrandSchema), 'The brand, replaced') },
      },
    },
    async (request) => ({
      data: await service.updateBrand(ctx, request.principal, request.params.id, request.body, 'replace'),
    }),
  );

  app.patch<{ Params: Static<typeof Params>; Body: Static<typeof UpdateBrandBody> }>(
    '/brands/:id',
    {
      config: { scope: 'admin' },
      preValidation: readOnly.refuse,
      schema: {
        tags: TAGS,
        operationId: 'updateBrand',
        summary: 'Update some fields of a brand',
        description:
          'PATCH changes the fields it names; fields left out are unchanged. Read-only fields are refused (400).',
        params: Params,
        body: UpdateBrandBody,
        response: { 200: DataEnvelope(Type.Ref(BrandSchema), 'The brand, updated') },
      },
    },
    async (request) => ({
      data: await service.updateBrand(ctx, request.principal, request.params.id, request.body, 'merge'),
    }),
  );

  app.delete<{ Params: Static<typeof Params> }>(
    '/brands/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: TAGS,
        operationId: 'deleteBrand',
        summary: 'Delete a brand',
        params: Params,
        response: {
          200: DataEnvelope(DeletedSchema('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), 'The brand was deleted'),
          409: ErrorResponse(
            'The brand still has posts or campaigns (counted in `details.posts` and `details.campaigns`)',
          ),
        },
      },
    },
    async (request) => ({ data: await service.deleteBrand(ctx, request.principal, request.params.id) }),
  );
}
