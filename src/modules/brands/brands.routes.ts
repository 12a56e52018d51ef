import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { DataEnvelope, DeletedSchema, IdParams, ListEnvelope } from '../../http/schemas.js';
import { resourceUrl, type RouteDeps } from '../../http/route-deps.js';
import { BrandSchema, CreateBrandBody, ListBrandsQuery, UpdateBrandBody } from './brands.schemas.js';
import * as service from './brands.service.js';

const Params = IdParams('Brand', 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Brands'];

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

  app.put<{ Params: Static<typeof Params>; Body: Static<typeof UpdateBrandBody> }>(
    '/brands/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: TAGS,
        operationId: 'updateBrand',
        summary: 'Update a brand',
        description: 'Fields left out are unchanged.',
        params: Params,
        body: UpdateBrandBody,
        response: { 200: DataEnvelope(Type.Ref(BrandSchema), 'The brand, updated') },
      },
    },
    async (request) => ({
      data: await service.updateBrand(ctx, request.principal, request.params.id, request.body),
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
        },
      },
    },
    async (request) => ({ data: await service.deleteBrand(ctx, request.principal, request.params.id) }),
  );
}
