import type { FastifyInstance } from 'fastify';
import { resourceRoutes } from '../../http/resource-routes.js';
import { ErrorResponse, IdParams } from '../../http/schemas.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import * as schema from './brands.schemas.js';
import * as service from './brands.service.js';

const Params = IdParams('Brand', 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Brands'];
const readOnly = schema.BRAND_READ_ONLY_FIELDS;

export async function brandsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;
  const brands = resourceRoutes(app, {
    path: '/brands',
    tags: TAGS,
    params: Params,
    item: schema.BrandSchema,
  });

  brands.list(
    {
      config: { scope: 'read' },
      operationId: 'listBrands',
      summary: 'List brands',
      querystring: schema.ListBrandsQuery,
      answer: 'A page of brands',
    },
    (request, page) => service.listBrands(ctx, request.principal, page, { name: request.query.name }),
  );

  brands.create(
    {
      config: { scope: 'admin' },
      preValidation: readOnly.refuse,
      operationId: 'createBrand',
      summary: 'Create a brand',
      body: schema.CreateBrandBody,
      answer: 'The brand, created',
    },
    (request) => service.createBrand(ctx, request.principal, request.body),
    (request, path) => resourceUrl(deps, request, path),
  );

  brands.get(
    { config: { scope: 'read' }, operationId: 'getBrand', summary: 'Retrieve a brand', answer: 'The brand' },
    (request, id) => service.getBrand(ctx, request.principal, id),
  );

  brands.edit(
    {
      config: { scope: 'admin' },
      readOnly,
      current: (request, id) => service.getBrand(ctx, request.principal, id),
      replace: {
        operationId: 'replaceBrand',
        summary: 'Replace a brand',
        description:
          'PUT replaces the editable fields: `name` is required; `timezone` left out becomes UTC, `voice` null ' +
          'and `colors` empty. Use PATCH to change some fields only. The body may carry the read-only fields ' +
          '(`id`, `createdAt`, `updatedAt`) exactly as GET returned them, so a brand read with GET can be sent ' +
          'back edited; a read-only field with another value is 400 naming it.',
        body: schema.ReplaceBrandBody,
        answer: 'The brand, replaced',
      },
      update: {
        operationId: 'updateBrand',
        summary: 'Update some fields of a brand',
        description:
          'PATCH changes the fields it names; fields left out are unchanged. Read-only fields are refused (400).',
        body: schema.UpdateBrandBody,
        answer: 'The brand, updated',
      },
    },
    (request, id, mode) => service.updateBrand(ctx, request.principal, id, request.body, mode),
  );

  brands.delete(
    {
      config: { scope: 'admin' },
      operationId: 'deleteBrand',
      summary: 'Delete a brand',
      answer: 'The brand was deleted',
      errors: {
        409: ErrorResponse(
          'The brand still has posts or campaigns (counted in `details.posts` and `details.campaigns`)',
        ),
      },
    },
    (request, id) => service.deleteBrand(ctx, request.principal, id),
  );
}
