import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { DataEnvelope } from '../../http/schemas.js';
import type { RouteDeps } from '../route-deps.js';
import { PLATFORMS } from '../../platforms/platforms.js';
import { listPlatformRules, rulesFor } from '../../platforms/rules.js';
import { AppError } from '../../shared/errors.js';
import { PlatformListEnvelope, PlatformParams, PlatformRulesSchema } from './platform-catalog.schemas.js';

const TAGS = ['Platforms'];

/** The platform rules are static data: the routes read them, and need none of `deps`. */
export async function platformsRoutes(app: FastifyInstance, _deps: RouteDeps): Promise<void> {
  app.get(
    '/platforms',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'listPlatforms',
        summary: 'List platforms and their rules',
        description:
          'Every platform Audenci publishes to, with its rules as data: text limits and how they are ' +
          'counted, hashtag and mention limits, media counts, types and sizes, links and first comments. ' +
          'Posts are checked against these rules before they are scheduled or published. The set is small ' +
          'and fixed, so the list is not paginated: `data` holds every platform and there is no `pagination`.',
        response: { 200: PlatformListEnvelope },
      },
    },
    async () => ({ data: listPlatformRules() }),
  );

  app.get<{ Params: Static<typeof PlatformParams> }>(
    '/platforms/:platform',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'getPlatform',
        summary: "Retrieve a platform's rules",
        description: 'The publishing rules of one platform. An unknown platform id answers 404.',
        params: PlatformParams,
        response: { 200: DataEnvelope(Type.Ref(PlatformRulesSchema)) },
      },
    },
    async (request) => {
      const rules = rulesFor(request.params.platform);
      if (!rules) {
        throw new AppError(
          'NOT_FOUND',
          `No platform '${request.params.platform}'; the platforms are ${PLATFORMS.join(', ')}`,
        );
      }
      return { data: rules };
    },
  );
}
