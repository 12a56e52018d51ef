import { Type } from '@sinclair/typebox';
import { DateTime, Id, ListQuery, Nullable } from '../../http/schemas.js';
import { PLATFORM_LIMITS } from '../../platforms/bounds.js';
import { NOT_BLANK } from '../../shared/validation/validator.js';
import { ACCOUNT_STATUSES, MAX_ACCOUNT_ERROR_LENGTH } from '../../db/tables/accounts.js';
import { SocialNetwork } from '../platform-catalog/index.js';

const ACCOUNT_EXAMPLE = 'acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';
const BRAND_EXAMPLE = 'brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8';

const Status = Type.Unsafe<(typeof ACCOUNT_STATUSES)[number]>({
  type: 'string',
  enum: [...ACCOUNT_STATUSES],
  description:
    '`connected`: ready to publish. `expired`: the platform refused the token and its refresh; connect again. ' +
    '`revoked`: access was withdrawn on the platform. `error`: a refresh failed for another reason (`lastError`).',
});
const BrandId = Type.String({ minLength: 1, maxLength: 64, examples: [BRAND_EXAMPLE] });

export const SocialAccountSchema = Type.Object(
  {
    id: Id(ACCOUNT_EXAMPLE),
    brandId: Id(BRAND_EXAMPLE),
    platform: SocialNetwork,
    platformAccountId: Type.String({
      maxLength: PLATFORM_LIMITS.id,
      description: "The platform's id of the account",
      examples: ['2244994945'],
    }),
    // As given for a sandbox account (at most 200), or as the platform says (cut to 200 where it enters).
    name: Type.String({ maxLength: PLATFORM_LIMITS.name, examples: ['Acme Coffee'] }),
    username: Nullable(Type.String({ maxLength: PLATFORM_LIMITS.name, examples: ['acmecoffee'] })),
    status: Status,
    scopes: Type.Array(Type.String({ maxLength: PLATFORM_LIMITS.scope }), {
      maxItems: PLATFORM_LIMITS.scopes,
      description: 'Permissions the platform granted',
    }),
    tokenExpiresAt: Nullable(DateTime(), {
      description:
        'When the access token expires; Audenci refreshes it before then. Null: it does not expire.',
    }),
    lastRefreshedAt: Nullable(DateTime()),
    lastError: Nullable(Type.String({ maxLength: MAX_ACCOUNT_ERROR_LENGTH }), {
      description: 'Why the last token refresh failed',
    }),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  {
    $id: 'SocialAccount',
    title: 'SocialAccount',
    description:
      'A connected social-network identity of a brand. Its tokens are stored encrypted and never shown.',
    additionalProperties: false,
  },
);

export const CreateAccountBody = Type.Object(
  {
    brandId: BrandId,
    platform: SocialNetwork,
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: NOT_BLANK,
      examples: ['Acme Coffee (sandbox)'],
    }),
  },
  {
    additionalProperties: false,
    examples: [{ brandId: BRAND_EXAMPLE, platform: 'twitter', name: 'Acme Coffee (sandbox)' }],
  },
);

export const ConnectBody = Type.Object(
  {
    brandId: BrandId,
    platform: SocialNetwork,
    redirectUri: Type.Optional(
      Type.String({
        format: 'uri',
        maxLength: 2048,
        description:
          'Your page to send the browser to once the platform answers, with `status=connected&accounts=…` or ' +
          '`status=error&reason=…` (and `state`) in its query. Without it the callback answers JSON. It must be ' +
          "an http(s) URL without credentials on the origin of the server's public URL or on an origin listed in " +
          '`AUDENCI_OAUTH_REDIRECT_ORIGINS`.',
        examples: ['https://app.example.com/settings/accounts'],
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        brandId: BRAND_EXAMPLE,
        platform: 'instagram',
        redirectUri: 'https://app.example.com/settings/accounts',
      },
    ],
  },
);

export const ConnectionSchema = Type.Object(
  {
    authorizationUrl: Type.String({
      // The platform's authorization endpoint (≤ 1,024), client id (≤ 256), redirect URI and scopes.
      maxLength: 8192,
      description: "Send the user's browser here to approve access on the platform",
      examples: ['https://x.com/i/oauth2/authorize?response_type=code&client_id=…&state=…'],
    }),
    state: Type.String({ maxLength: 256, description: 'The OAuth state of this attempt (single use)' }),
    expiresAt: DateTime({ description: 'The attempt must be completed before this (10 minutes)' }),
  },
  { additionalProperties: false },
);

/** What platforms send to the callback. Unknown parameters are allowed: platforms add their own. */
export const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096, description: 'Authorization code' })),
    state: Type.Optional(
      Type.String({ maxLength: 256, description: 'The state of `POST /social-accounts/connect`' }),
    ),
    error: Type.Optional(
      Type.String({ maxLength: 256, description: 'Set by the platform when access was refused' }),
    ),
    error_description: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: true },
);

export const ListAccountsQuery = ListQuery(['createdAt', 'updatedAt', 'name'], {
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  platform: Type.Optional(SocialNetwork),
  status: Type.Optional(Status),
});
