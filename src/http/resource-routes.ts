import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { ListParams } from '../db/paginate.js';
import { listParams, type ListQueryInput } from './list-params.js';
import type { CurrentRepresentation, ReadOnlyFields } from './read-only.js';
import { DataEnvelope, DeletedSchema, type IdParams, ListEnvelope } from './schemas.js';

/*
 * The routes every resource has in the same shape — list and create in the collection, retrieve, replace
 * and update, delete one item — declared once. A route file says what is particular to it (scope,
 * operationId, summary, description, query, body, the service call); the schema around it, the `:id` path,
 * the `{data}` envelope, pagination defaults, `Location` and the PUT/PATCH hooks are made here the same way
 * for every resource. Routes of other shapes (actions, uploads, downloads, nested lists) stay plain
 * `app.get`/`app.post` declarations in their route file.
 */

/** What one resource's routes share. */
export interface ResourceSpec {
  /** The collection, e.g. `/brands`; an item is `/brands/:id`. */
  path: string;
  /** The OpenAPI tags of every route. */
  tags: string[];
  /** The `:id` path parameter, `IdParams('Brand', 'brand_…')`. */
  params: IdParamsSchema;
  /** The item's schema (`BrandSchema`); it has an `$id`, and responses refer to it. */
  item: TSchema;
}

/** What a route says of itself, besides the schemas the shape gives it. */
export interface RouteDoc {
  config: FastifyContextConfig;
  operationId: string;
  summary: string;
  description?: string;
  /** The description of the success response, where the document gives one (`'The brand'`). */
  answer?: string;
  /** Error statuses particular to the route, e.g. `{ 409: ErrorResponse('…') }`. */
  errors?: Record<number, TSchema>;
}

type IdParamsSchema = ReturnType<typeof IdParams>;
type ItemRequest = FastifyRequest<{ Params: Static<IdParamsSchema> }>;
/** Reads or changes the item a request names, answering what goes in `data`. */
type ItemAction = (request: ItemRequest, id: string) => Promise<unknown>;
/** PUT replaces the editable fields, PATCH merges the ones it names. */
type EditMode = 'replace' | 'merge';
type Body<S extends TSchema> = FastifyRequest<{ Params: Static<IdParamsSchema>; Body: Static<S> }>;

/** How POST to the collection is declared. */
export interface CreateDoc<B extends TSchema> extends RouteDoc {
  body: B;
  /** Runs before the body is checked, e.g. refusing read-only fields (`readOnly.refuse`). */
  preValidation?: (request: FastifyRequest) => Promise<void>;
  /** The created item's schema, where it shows more than GET does (a secret shown only here). */
  item?: TSchema;
}

/** The absolute URL of a path of this API, for `Location` (`resourceUrl` in src/modules/route-deps.ts). */
export type UrlOf = (request: FastifyRequest, path: string) => string;

/** How PUT and PATCH of a resource are declared together (docs/api.md, "Updates: PUT and PATCH"). */
export interface EditSpec<R extends TSchema, U extends TSchema> {
  /** The route config of both, or of each where it depends on the mode (input checks, say). */
  config: FastifyContextConfig | ((mode: EditMode) => FastifyContextConfig);
  /** The resource's read-only fields: echoed back in PUT, refused in PATCH. */
  readOnly: Pick<ReadOnlyFields<TProperties>, 'put' | 'refuse'>;
  /** The item as GET answers it, to compare the read-only fields a PUT body echoes. */
  current: CurrentRepresentation;
  /** Error statuses of both, e.g. a 409 for a status that cannot change. */
  errors?: Record<number, TSchema>;
  replace: Omit<RouteDoc, 'config' | 'errors'> & { body: R };
  update: Omit<RouteDoc, 'config' | 'errors'> & { body: U };
}

/** DELETE answers the id of its path: the path parameter's example documents both. */
function deletedSchema(params: IdParamsSchema) {
  const [example] = params.properties.id.examples as [string];
  return DeletedSchema(example);
}

/** The schema object of a route: its documentation, then its request parts, then its responses. */
function routeSchema(
  tags: string[],
  doc: Omit<RouteDoc, 'config'>,
  request: { params?: TObject; querystring?: TSchema; body?: TSchema },
  success: Record<number, TSchema>,
) {
  return {
    tags,
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    ...request,
    response: { ...success, ...doc.errors },
  };
}

/** The routes of one resource, declared on `app`. */
export function resourceRoutes(app: FastifyInstance, resource: ResourceSpec) {
  const { path, tags, params } = resource;
  const item = Type.Ref(resource.item);
  const itemPath = `${path}/:id`;
  const data = async (request: ItemRequest, action: ItemAction) => ({
    data: await action(request, request.params.id),
  });

  return {
    /**
     * `GET {path}`: a page of items. `list` gets the query and its pagination part with the documented
     * defaults (`listParams`), and answers the `{data, pagination}` envelope.
     */
    list<Q extends TSchema & { static: ListQueryInput }>(
      doc: RouteDoc & { querystring: Q },
      list: (request: FastifyRequest<{ Querystring: Static<Q> }>, page: ListParams) => Promise<unknown>,
    ): void {
      const { querystring } = doc;
      app.get<{ Querystring: Static<Q> }>(
        path,
        {
          config: doc.config,
          schema: routeSchema(tags, doc, { querystring }, { 200: ListEnvelope(item, doc.answer) }),
        },
        // Fastify's generic request type hides that the query is a `Static<Q>` (a `ListQueryInput`).
        (request) => list(request, listParams(request.query as Static<Q>)),
      );
    },

    /** `POST {path}`: `create` answers the new item; the answer is a 201 with its `Location`, as `{data}`. */
    create<B extends TSchema>(
      doc: CreateDoc<B>,
      create: (request: FastifyRequest<{ Body: Static<B> }>) => Promise<{ id: string }>,
      urlOf: UrlOf,
    ): void {
      const { body, preValidation } = doc;
      const created = DataEnvelope(doc.item ? Type.Ref(doc.item) : item, doc.answer);
      app.post<{ Body: Static<B> }>(
        path,
        {
          config: doc.config,
          ...(preValidation ? { preValidation } : {}),
          schema: routeSchema(tags, doc, { body }, { 201: created }),
        },
        async (request, reply) => {
          const data = await create(request);
          reply.code(201).header('Location', urlOf(request, `${path}/${data.id}`));
          return { data };
        },
      );
    },

    /** `GET {path}/:id`: the item, as `{data}`. */
    get(doc: RouteDoc, load: ItemAction): void {
      app.get<{ Params: Static<IdParamsSchema> }>(
        itemPath,
        {
          config: doc.config,
          schema: routeSchema(tags, doc, { params }, { 200: DataEnvelope(item, doc.answer) }),
        },
        (request) => data(request, load),
      );
    },

    /**
     * `PUT {path}/:id` and `PATCH {path}/:id`: `save` replaces the editable fields (`replace`) or changes
     * those the body names (`merge`), and answers the item.
     */
    edit<R extends TSchema, U extends TSchema>(
      spec: EditSpec<R, U>,
      save: (request: Body<R> | Body<U>, id: string, mode: EditMode) => Promise<unknown>,
    ): void {
      const { errors, readOnly } = spec;
      const config = (mode: EditMode) =>
        typeof spec.config === 'function' ? spec.config(mode) : spec.config;
      const schema = (doc: EditSpec<R, U>['replace' | 'update']) =>
        routeSchema(
          tags,
          { ...doc, errors },
          { params, body: doc.body },
          { 200: DataEnvelope(item, doc.answer) },
        );
      app.put<{ Params: Static<IdParamsSchema>; Body: Static<R> }>(
        itemPath,
        { config: config('replace'), ...readOnly.put(spec.current), schema: schema(spec.replace) },
        async (request) => ({ data: await save(request, request.params.id, 'replace') }),
      );
      app.patch<{ Params: Static<IdParamsSchema>; Body: Static<U> }>(
        itemPath,
        { config: config('merge'), preValidation: readOnly.refuse, schema: schema(spec.update) },
        async (request) => ({ data: await save(request, request.params.id, 'merge') }),
      );
    },

    /** `DELETE {path}/:id`: `remove` answers `{id, deleted: true}`, as `{data}`. */
    delete(doc: RouteDoc, remove: ItemAction): void {
      const deleted = DataEnvelope(deletedSchema(params), doc.answer);
      app.delete<{ Params: Static<IdParamsSchema> }>(
        itemPath,
        { config: doc.config, schema: routeSchema(tags, doc, { params }, { 200: deleted }) },
        (request) => data(request, remove),
      );
    },
  };
}
