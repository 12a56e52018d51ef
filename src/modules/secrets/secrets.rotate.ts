import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { unscoped } from '../../db/tenant.js';
import { SecretBoxError, type SecretBox } from '../../shared/secret-box.js';

/** Why rotation's queries span tenants (see db/tenant.ts): every stored secret is re-sealed. */
const ROTATION = "key rotation re-seals every tenant's secrets";

/**
 * Re-seals every stored secret with the current AUDENCI_SECRET_KEY: platform access and refresh tokens,
 * pending OAuth PKCE verifiers, webhook endpoint secrets (current and overlapping previous ones),
 * stored idempotent responses (which can hold a key or secret shown once) and people's TOTP secrets.
 *
 * The processes run with the new key in AUDENCI_SECRET_KEY and the old one in
 * AUDENCI_SECRET_KEY_PREVIOUS while this runs, so both keys open values at every moment and nothing
 * stops working. Rows are read in id order by pages and each page is written in one transaction; a row
 * is only updated when its value still is the one read (a concurrent token refresh wins). Running it
 * again re-seals nothing (values already under the current key are left alone), so it can be resumed
 * after an interruption. A value that no key opens is counted and named (never shown), not changed.
 */
export interface RotateBoxes {
  tokens: SecretBox;
  webhooks: SecretBox;
  idempotency: SecretBox;
  /** People's TOTP secrets; without it they are left alone. */
  twoFactor?: SecretBox;
}

export interface RotateProgress {
  /** Which kind of secret: `social account tokens`, `OAuth verifiers`, `webhook secrets`. */
  what: string;
  scanned: number;
  resealed: number;
}

export interface RotateReport {
  scanned: number;
  resealed: number;
  /** Where a value could not be opened with any configured key: `table.column:id`. */
  unreadable: string[];
}

const PAGE = 200;

interface Field {
  column: string;
  value: string | null;
  aad: string;
}

interface Row {
  /** The row's position for paging (its primary key as one sortable string). */
  key: string;
  /** Its primary key columns, to update exactly this row. */
  where: Record<string, string>;
  fields: Field[];
}

interface Target {
  what: string;
  table: 'social_accounts' | 'oauth_states' | 'webhook_endpoints' | 'idempotency_keys' | 'users';
  box: SecretBox;
  page(db: Kysely<Database>, after: string): Promise<Row[]>;
}

/**
 * A table with a one-column primary key whose sealed columns use one associated data per row: by default
 * the key is `id` and a row's associated data is its id.
 */
function singleKeyTarget({
  key: keyColumn = 'id',
  aad = (id) => id,
  ...spec
}: {
  what: string;
  table: 'social_accounts' | 'oauth_states' | 'webhook_endpoints' | 'users';
  key?: string;
  columns: string[];
  aad?: (key: string) => string;
  box: SecretBox;
}): Target {
  return {
    what: spec.what,
    table: spec.table,
    box: spec.box,
    async page(db, after) {
      const rows = (await unscoped(db, ROTATION)
        .selectFrom(spec.table)
        .selectAll()
        .where(sql.ref(keyColumn), '>', after)
        .orderBy(sql.ref(keyColumn))
        .limit(PAGE)
        .execute()) as unknown as Record<string, string | null>[];
      return rows.map((row) => {
        const key = row[keyColumn]!;
        return {
          key,
          where: { [keyColumn]: key },
          fields: spec.columns.map((column) => ({ column, value: row[column] ?? null, aad: aad(key) })),
        };
      });
    },
  };
}

function targets(boxes: RotateBoxes): Target[] {
  const twoFactor = boxes.twoFactor
    ? [
        singleKeyTarget({
          what: 'two-factor secrets',
          table: 'users',
          columns: ['totp_secret'],
          aad: (id) => `totp:${id}`,
          box: boxes.twoFactor,
        }),
      ]
    : [];
  return [
    ...twoFactor,
    singleKeyTarget({
      what: 'social account tokens',
      table: 'social_accounts',
      columns: ['access_token_enc', 'refresh_token_enc'],
      box: boxes.tokens,
    }),
    singleKeyTarget({
      what: 'OAuth verifiers',
      table: 'oauth_states',
      key: 'state',
      columns: ['code_verifier_enc'],
      aad: (state) => `oauth_state:${state}`,
      box: boxes.tokens,
    }),
    singleKeyTarget({
      what: 'webhook secrets',
      table: 'webhook_endpoints',
      columns: ['secret', 'previous_secret'],
      box: boxes.webhooks,
    }),
    {
      what: 'stored idempotent responses',
      table: 'idempotency_keys',
      box: boxes.idempotency,
      async page(db, after) {
        // Paged by the composite key joined with NUL (never in an organization id or environment).
        const [org = '', env = '', key = ''] = after.split('\u0000');
        const rows = await unscoped(db, ROTATION)
          .selectFrom('idempotency_keys')
          .select(['organization_id', 'environment', 'key', 'response_body'])
          .where((eb) =>
            eb.or([
              eb('organization_id', '>', org),
              eb.and([eb('organization_id', '=', org), eb('environment', '>', env as never)]),
              eb.and([
                eb('organization_id', '=', org),
                eb('environment', '=', env as never),
                eb('key', '>', key),
              ]),
            ]),
          )
          .orderBy('organization_id')
          .orderBy('environment')
          .orderBy('key')
          .limit(PAGE)
          .execute();
        return rows.map((r) => ({
          key: [r.organization_id, r.environment, r.key].join('\u0000'),
          where: { organization_id: r.organization_id, environment: r.environment, key: r.key },
          fields: [
            {
              column: 'response_body',
              // Only sealed bodies (rows from before sealing hold plain JSON).
              value: r.response_body?.startsWith('v1.') ? r.response_body : null,
              aad: `idempotency:${r.organization_id}:${r.environment}:${r.key}`,
            },
          ],
        }));
      },
    },
  ];
}

export async function rotateSecrets(
  db: Kysely<Database>,
  boxes: RotateBoxes,
  onProgress?: (progress: RotateProgress) => void,
): Promise<RotateReport> {
  const report: RotateReport = { scanned: 0, resealed: 0, unreadable: [] };
  for (const target of targets(boxes)) {
    const progress: RotateProgress = { what: target.what, scanned: 0, resealed: 0 };
    let after = '';
    for (;;) {
      const rows = await target.page(db, after);
      if (rows.length === 0) break;
      await db.transaction().execute(async (trx) => {
        for (const row of rows) {
          for (const field of row.fields) {
            if (field.value === null) continue;
            progress.scanned++;
            let resealed: string | undefined;
            try {
              resealed = target.box.reseal(field.value, field.aad);
            } catch (error) {
              if (!(error instanceof SecretBoxError)) throw error;
              report.unreadable.push(`${target.table}.${field.column}:${Object.values(row.where).join('/')}`);
              continue;
            }
            if (resealed === undefined) continue;
            // Only if nobody changed it since it was read (a token refresh seals with the current key).
            let update = unscoped(trx, ROTATION)
              .updateTable(target.table)
              .set({ [field.column]: resealed } as never)
              .where(field.column as never, '=', field.value as never);
            for (const [column, value] of Object.entries(row.where)) {
              update = update.where(column as never, '=', value as never);
            }
            const updated = await update.executeTakeFirst();
            if (Number(updated.numUpdatedRows) > 0) progress.resealed++;
          }
        }
      });
      after = rows.at(-1)!.key;
      onProgress?.({ ...progress });
    }
    onProgress?.({ ...progress });
    report.scanned += progress.scanned;
    report.resealed += progress.resealed;
  }
  return report;
}
