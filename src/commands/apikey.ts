/** `samgraf apikey create|list|revoke`: partner agencies' API keys in the store. */
import { ApiKeyStore, type ApiKeyListing } from '../security/api-keys.js';
import { TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode } from '../core/principal.js';
import { isMunicipalityCode, isOrganizationCode, MAX_ORGANIZATION_LENGTH } from '../security/claims.js';
import { ACROSS_MUNICIPALITIES, SCOPES } from '../security/scopes.js';

/** The `name` column. */
const MAX_NAME_LENGTH = 200;

export class CommandInputError extends Error {}

/** `90d`, `12h`, `30m`, or an ISO date; the expiry instant from `now`. */
export function parseExpiry(value: string, now = new Date()): Date {
  const relative = /^(\d+)([dhm])$/.exec(value);
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + Number(relative[1]) * unit);
  }
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) throw new CommandInputError('--expires takes a duration (90d, 12h, 30m) or an ISO date');
  if (date.getTime() <= now.getTime()) throw new CommandInputError('--expires must be in the future');
  return date;
}

export interface CreateInput {
  org?: string | undefined;
  name?: string | undefined;
  scopes?: string | undefined;
  purposes?: string | undefined;
  municipality?: string | undefined;
  expires?: string | undefined;
  trustedDocuments?: string | undefined;
}

export async function createApiKey(store: ApiKeyStore, input: CreateInput, configuredPurposes: readonly string[]) {
  const organization = input.org?.trim();
  if (!organization || !isOrganizationCode(organization)) {
    throw new CommandInputError(`--org CODE is required (1 to ${MAX_ORGANIZATION_LENGTH} letters, digits or -; e.g. FK or 0180)`);
  }
  const name = input.name?.trim();
  if (!name) throw new CommandInputError('--name TEXT is required');
  if (name.length > MAX_NAME_LENGTH) throw new CommandInputError(`--name takes at most ${MAX_NAME_LENGTH} characters`);
  const scopes = words(input.scopes);
  if (scopes.length === 0) throw new CommandInputError(`--scopes is required, from: ${SCOPES.join(' ')}`);
  const unknownScopes = scopes.filter((scope) => !SCOPES.includes(scope));
  if (unknownScopes.length > 0) throw new CommandInputError(`unknown scope(s): ${unknownScopes.join(' ')}; known: ${SCOPES.join(' ')}`);
  const purposes = words(input.purposes);
  if (purposes.length === 0) throw new CommandInputError(`--purposes is required, from: ${configuredPurposes.join(' ')}`);
  const unknownPurposes = purposes.filter((purpose) => !configuredPurposes.includes(purpose));
  if (unknownPurposes.length > 0) throw new CommandInputError(`purpose(s) not in the configuration: ${unknownPurposes.join(' ')}`);
  if (input.municipality !== undefined && !isMunicipalityCode(input.municipality)) throw new CommandInputError('--municipality takes a 4-digit municipality code, e.g. 0180');
  const acrossMunicipalities = scopes.filter((scope) => ACROSS_MUNICIPALITIES.has(scope));
  if (input.municipality !== undefined && acrossMunicipalities.length > 0) {
    throw new CommandInputError(`${acrossMunicipalities.join(' ')} covers people of every municipality: a key bound to --municipality cannot hold it`);
  }
  const trustedDocuments = input.trustedDocuments ?? 'optional';
  if (!TRUSTED_DOCUMENTS_MODES.includes(trustedDocuments as TrustedDocumentsMode)) throw new CommandInputError('--trusted-documents is required or optional');
  return store.create({
    trustedDocuments: trustedDocuments as TrustedDocumentsMode,
    organization,
    name,
    // Each once: repeating a word must not grow the row past its column.
    scopes: [...new Set(scopes)],
    purposes: [...new Set(purposes)],
    municipality: input.municipality ?? null,
    expiresAt: input.expires === undefined ? null : parseExpiry(input.expires),
  });
}

export function formatKeyList(keys: readonly ApiKeyListing[], now = new Date()): string {
  if (keys.length === 0) return 'no API keys\n';
  const header = ['id', 'status', 'organization', 'name', 'municipality', 'scopes', 'purposes', 'documents', 'created', 'expires'];
  const rows = keys.map((key) => [
    key.id,
    key.revokedAt ? 'revoked' : key.expiresAt && key.expiresAt <= now ? 'expired' : 'active',
    key.organization,
    key.name,
    key.municipality ?? '-',
    key.scopes.join(' '),
    key.purposes.join(' '),
    key.trustedDocuments,
    key.createdAt.toISOString(),
    key.expiresAt?.toISOString() ?? 'never',
  ]);
  return formatTable(header, rows);
}

/** Columns aligned with two spaces between them, as the CLI's listings print them. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((cells) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function words(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
