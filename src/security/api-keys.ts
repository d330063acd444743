/**
 * API keys for partner agencies. A key is `sgk_<id>_<secret>`: the prefix lets secret scanners find leaked
 * keys, the id finds the row, and only SHA-256 of the 256-bit random secret is stored (a slow hash adds
 * nothing for secrets that cannot be guessed). Every request reads the row, so a revocation takes effect on
 * the next request on every replica.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { AuditUnavailableGraphQLError, AuthenticationError, type AuthenticationProblem } from './errors.js';
import type { Principal, TrustedDocumentsMode } from '../core/principal.js';
import { heldScopes } from './scopes.js';

export const API_KEY_PREFIX = 'sgk_';
const KEY_FORMAT = /^sgk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeySpec {
  organization: string;
  name: string;
  scopes: string[];
  purposes: string[];
  municipality: string | null;
  expiresAt: Date | null;
  /** `required`: the key runs only its trusted documents (security/trusted-documents.ts). Default optional. */
  trustedDocuments?: TrustedDocumentsMode;
}

export interface ApiKeyListing extends ApiKeySpec {
  id: string;
  trustedDocuments: TrustedDocumentsMode;
  createdAt: Date;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  secret_sha256: string;
  organization: string;
  name: string;
  scopes: string;
  purposes: string;
  municipality: string | null;
  created_at: number | string;
  expires_at: number | string | null;
  revoked_at: number | string | null;
  trusted_documents: string | null;
}

function sha256(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret).digest();
}

/** Constant-time: the time taken does not depend on where the two hashes differ. */
export function secretMatches(secret: string, storedSha256Hex: string): boolean {
  const stored = Buffer.from(storedSha256Hex, 'hex');
  const given = sha256(secret);
  return stored.length === given.length && crypto.timingSafeEqual(given, stored);
}

const DUMMY_HASH = sha256('samgraf: no such key').toString('hex');

export class ApiKeyStore {
  constructor(
    private readonly db: Knex,
    private readonly configuredPurposes: readonly string[],
    /** Config `clients`: may hold an API key to its trusted documents by the key's id. */
    private readonly clients: Readonly<Record<string, { trustedDocuments: TrustedDocumentsMode }>> = {},
  ) {}

  /** Returns the key: shown once, never stored. */
  async create(spec: ApiKeySpec, now = new Date()): Promise<{ id: string; key: string }> {
    const id = crypto.randomBytes(8).toString('hex');
    const secret = crypto.randomBytes(32).toString('base64url');
    await this.db('api_keys').insert({
      id,
      secret_sha256: sha256(secret).toString('hex'),
      organization: spec.organization,
      name: spec.name,
      scopes: spec.scopes.join(' '),
      purposes: spec.purposes.join(' '),
      municipality: spec.municipality,
      created_at: now.getTime(),
      expires_at: spec.expiresAt?.getTime() ?? null,
      revoked_at: null,
      trusted_documents: spec.trustedDocuments === 'required' ? 'required' : null,
    });
    return { id, key: `${API_KEY_PREFIX}${id}_${secret}` };
  }

  async list(): Promise<ApiKeyListing[]> {
    const rows = await this.db<ApiKeyRow>('api_keys').select('*').orderBy('created_at');
    return rows.map((row) => ({
      id: row.id,
      organization: row.organization,
      name: row.name,
      scopes: splitWords(row.scopes),
      purposes: splitWords(row.purposes),
      municipality: row.municipality,
      createdAt: new Date(Number(row.created_at)),
      expiresAt: row.expires_at === null ? null : new Date(Number(row.expires_at)),
      revokedAt: row.revoked_at === null ? null : new Date(Number(row.revoked_at)),
      trustedDocuments: this.trustedDocumentsOf(row),
    }));
  }

  /** True if the key existed and was not already revoked. */
  async revoke(id: string, now = new Date()): Promise<boolean> {
    const updated = await this.db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: now.getTime() });
    return updated > 0;
  }

  async authenticate(key: string, now = Date.now()): Promise<Principal> {
    const match = KEY_FORMAT.exec(key.trim());
    if (!match) throw new AuthenticationError('MALFORMED');
    const [, id, secret] = match as unknown as [string, string, string];
    const row = await this.findKey(id);
    // Hash and compare even for an unknown id, so that timing does not tell which ids exist.
    const matches = secretMatches(secret, row?.secret_sha256 ?? DUMMY_HASH);
    if (!row || !matches) throw new AuthenticationError('UNKNOWN_KEY');
    const problem = stateProblem(row, now);
    if (problem) throw new AuthenticationError(problem);
    return {
      type: 'API_KEY',
      subject: row.id,
      organization: row.organization,
      // A key stored before a scope was kept from municipalities holds it no more.
      scopes: heldScopes(splitWords(row.scopes), row.municipality),
      purposes: this.configuredPurposes.filter((purpose) => splitWords(row.purposes).includes(purpose)),
      municipality: row.municipality,
      apiKeyId: row.id,
      issuer: null,
      boundPurpose: null,
      client: { id: row.id, trustedDocuments: this.trustedDocumentsOf(row) },
    };
  }

  /** Held to its documents when the key was created so, or config `clients` says so of its id. */
  private trustedDocumentsOf(row: ApiKeyRow): TrustedDocumentsMode {
    return row.trusted_documents === 'required' || (Object.hasOwn(this.clients, row.id) && this.clients[row.id]!.trustedDocuments === 'required') ? 'required' : 'optional';
  }

  /** Whether a key with this id exists (revoked or not): documents are registered for a key by its id. */
  async exists(id: string): Promise<boolean> {
    return (await this.db('api_keys').where({ id }).first('id')) !== undefined;
  }

  /** A store that does not answer refuses the request (503); it never lets it through. */
  private async findKey(id: string): Promise<ApiKeyRow | undefined> {
    try {
      return await this.db<ApiKeyRow>('api_keys').where({ id }).first();
    } catch {
      throw new AuditUnavailableGraphQLError();
    }
  }
}

function stateProblem(row: ApiKeyRow, now: number): AuthenticationProblem | null {
  if (row.revoked_at !== null) return 'REVOKED';
  if (row.expires_at !== null && Number(row.expires_at) <= now) return 'EXPIRED';
  return null;
}

function splitWords(value: string): string[] {
  return value.split(' ').filter(Boolean);
}
