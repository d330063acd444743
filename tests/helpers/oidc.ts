/**
 * A real OpenID provider (panva's `oidc-provider`) on 127.0.0.1 for tests, issuing signed JWT access tokens
 * through the OAuth 2.0 client-credentials grant.
 *
 * How it is wired:
 * - One confidential client (`client_secret_basic`, `grant_types: ['client_credentials']`).
 * - `features.resourceIndicators` (RFC 8707) makes the access token a JWT: the helper always sends
 *   `resource=urn:samgraf-test:audience:<audience>`, and `getResourceServerInfo` answers with
 *   `{ audience, accessTokenFormat: 'jwt', jwt: { sign: { alg, kid } } }`. Without a resource the provider would
 *   issue an opaque token.
 * - `org`, `purposes` and any other extra claims come from `extraTokenClaims`. A token request cannot carry extra
 *   parameters, so the helper sends the wanted claims in a test-only request header (`x-oidc-test-claims`, JSON), which
 *   `extraTokenClaims` reads from the request context. Only this helper sends that header.
 * - The JWKS is the provider's own (`jwks_uri` from discovery); every key has a `kid` (its RFC 7638 thumbprint).
 * - `rotateSigningKey()` builds a NEW Provider instance (same issuer, same port, same client) whose key set has a fresh
 *   key first, and swaps it in behind the already-listening HTTP server. A Provider's key set is fixed when it is
 *   constructed, so a new instance is the way to change it; the socket never closes, so there is no port race.
 *   By default the retired key stays in the JWKS (tokens already issued stay verifiable); pass
 *   `{ keepPrevious: false }` to drop it.
 *
 * oidc-provider 9.x says it supports Node.js 22 LTS and later and prints an "Unsupported runtime" warning on import
 * under Node 20; everything used here works on Node >= 20.19 (it needs `crypto.hash` and `URL.parse`). The helper
 * loads the package lazily and filters out that warning and the provider's other `oidc-provider WARNING/NOTICE`
 * console lines while constructing it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC } from 'oidc-provider';

export type SigningAlg = 'ES256' | 'RS256';

export const DEFAULT_SCOPES = [
  'citizen:read',
  'benefit:read',
  'benefit:amount:read',
  'case:read',
  'case:notes:read',
  'audit:read',
] as const;

export interface OidcProviderOptions {
  /** Signing algorithm of the access tokens (default ES256). */
  alg?: SigningAlg;
  /** Scopes the provider knows and the client may ask for (default DEFAULT_SCOPES). */
  scopes?: readonly string[];
  clientId?: string;
  clientSecret?: string;
  /** `aud` when the caller does not ask for another (default 'samgraf'). */
  audience?: string;
  /** `org` claim when the caller does not pass one (default 'FK'). */
  org?: string;
  /** `purposes` claim when the caller does not pass one (default ['benefit-handling']). */
  purposes?: string[];
  /** Access-token lifetime in seconds (default 300). */
  accessTokenTtlSeconds?: number;
}

export interface TokenRequest {
  /**
   * Space-separated scopes (default: all the provider's scopes). Like any oidc-provider with resource indicators,
   * scopes the resource server does not know are silently dropped; if none is left the token has no `scope` claim.
   */
  scope?: string;
  /** `aud` of the token (default: the provider's audience, 'samgraf'). */
  audience?: string;
  /** `org` claim; `null` leaves it out (default: the provider's org, 'FK'). */
  org?: string | null;
  /** `purposes` claim; `null` leaves it out (default: the provider's purposes). */
  purposes?: string[] | null;
  /** Any further top-level claims. Claims the provider sets itself (iss, aud, exp, scope, sub, client_id, …) win. */
  extraClaims?: Record<string, unknown>;
}

export interface TestOidcProvider {
  /** `http://127.0.0.1:<port>` — the `iss` of every token. */
  issuer: string;
  /** The provider's JWKS endpoint, as its discovery document announces it. */
  jwksUrl: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** The `kid` new tokens are signed with. */
  readonly currentKid: string;
  /** Gets an access token (a signed JWT) with the client-credentials grant. Rejects with the provider's error body. */
  clientCredentialsToken(request?: TokenRequest): Promise<string>;
  /** Makes the provider sign new tokens with a new key (new kid); the JWKS publishes it (and, by default, the old one). */
  rotateSigningKey(options?: { keepPrevious?: boolean }): Promise<void>;
  close(): Promise<void>;
}

const CLAIMS_HEADER = 'x-oidc-test-claims';
const RESOURCE_PREFIX = 'urn:samgraf-test:audience:';

type ProviderModule = typeof import('oidc-provider');
let providerModule: Promise<ProviderModule> | undefined;

/** Runs `fn` with the provider's `oidc-provider WARNING/NOTICE: …` console lines filtered out. */
async function withoutProviderNotices<T>(fn: () => T | Promise<T>): Promise<T> {
  const { warn, info } = console;
  const filter = (original: (...args: unknown[]) => void) => (...args: unknown[]) => {
    if (typeof args[0] === 'string' && /oidc-provider (WARNING|NOTICE):/.test(args[0])) return;
    original.apply(console, args);
  };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

function loadProvider(): Promise<ProviderModule> {
  providerModule ??= withoutProviderNotices(() => import('oidc-provider'));
  return providerModule;
}

async function generateSigningKey(alg: SigningAlg): Promise<JWK & { kid: string }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

/** Per-provider in-memory storage (instead of the package's process-wide dev adapter, which warns on every start). */
function memoryAdapterFactory(): (name: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>();
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    const read = (id: string) => {
      const entry = store.get(key(id));
      if (!entry) return undefined;
      if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        store.delete(key(id));
        return undefined;
      }
      return entry.payload;
    };
    return {
      async upsert(id, payload, expiresIn) {
        store.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      },
      async find(id) { return read(id); },
      async findByUid(uid) {
        for (const [k, { payload }] of store) if (k.startsWith(`${name}:`) && payload.uid === uid) return read(k.slice(name.length + 1));
        return undefined;
      },
      async findByUserCode(userCode) {
        for (const [k, { payload }] of store) if (k.startsWith(`${name}:`) && payload.userCode === userCode) return read(k.slice(name.length + 1));
        return undefined;
      },
      async consume(id) {
        const payload = read(id);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) { store.delete(key(id)); },
      async revokeByGrantId(grantId) {
        for (const [k, { payload }] of store) if (payload.grantId === grantId) store.delete(k);
      },
    };
  };
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<TestOidcProvider> {
  const { default: Provider, errors } = await loadProvider();
  const alg = options.alg ?? 'ES256';
  const scopes = [...(options.scopes ?? DEFAULT_SCOPES)];
  const clientId = options.clientId ?? 'samgraf-test-client';
  const clientSecret = options.clientSecret ?? 'samgraf-test-client-secret-0123456789abcdef';
  const defaults = {
    audience: options.audience ?? 'samgraf',
    org: options.org ?? 'FK',
    purposes: options.purposes ?? ['benefit-handling'],
  };
  const accessTokenTTL = options.accessTokenTtlSeconds ?? 300;
  const adapter = memoryAdapterFactory();

  // The HTTP server outlives provider instances: rotation swaps `handle`, the port and issuer stay.
  let handle: (req: IncomingMessage, res: ServerResponse) => unknown = (_req, res) => { res.statusCode = 503; res.end(); };
  const server: Server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  let keys = [await generateSigningKey(alg)];
  let lastServerError: unknown;

  function configuration(): Configuration {
    const signingKid = keys[0]!.kid;
    return {
      adapter,
      jwks: { keys: keys.map((k) => ({ ...k })) },
      clients: [{
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: scopes.join(' '),
      }],
      scopes,
      ttl: { ClientCredentials: accessTokenTTL },
      clientDefaults: { id_token_signed_response_alg: alg },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE_PREFIX + encodeURIComponent(defaults.audience),
          getResourceServerInfo(_ctx, resourceIndicator) {
            if (!resourceIndicator.startsWith(RESOURCE_PREFIX)) throw new errors.InvalidTarget();
            return {
              scope: scopes.join(' '),
              audience: decodeURIComponent(resourceIndicator.slice(RESOURCE_PREFIX.length)),
              accessTokenTTL,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg, kid: signingKid } },
            };
          },
        },
      },
      extraTokenClaims(ctx: KoaContextWithOIDC) {
        const header = ctx.get(CLAIMS_HEADER);
        return header ? JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) : undefined;
      },
    };
  }

  async function install(): Promise<void> {
    const provider = await withoutProviderNotices(() => new Provider(issuer, configuration()));
    provider.on('server_error', (_ctx, error) => { lastServerError = error; });
    handle = provider.callback();
  }

  await install();

  let discovery: { jwks_uri: string; token_endpoint: string };
  try {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`discovery failed: HTTP ${response.status}`);
    discovery = await response.json() as typeof discovery;
  } catch (error) {
    server.closeAllConnections();
    server.close();
    throw error;
  }

  return {
    issuer,
    jwksUrl: discovery.jwks_uri,
    tokenEndpoint: discovery.token_endpoint,
    clientId,
    clientSecret,
    get currentKid() { return keys[0]!.kid; },

    async clientCredentialsToken(request: TokenRequest = {}) {
      const claims: Record<string, unknown> = { ...request.extraClaims };
      const org = request.org === undefined ? defaults.org : request.org;
      const purposes = request.purposes === undefined ? defaults.purposes : request.purposes;
      if (org !== null) claims.org = org;
      if (purposes !== null) claims.purposes = purposes;

      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
      lastServerError = undefined;
      const response = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          [CLAIMS_HEADER]: Buffer.from(JSON.stringify(claims)).toString('base64url'),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: request.scope ?? scopes.join(' '),
          resource: RESOURCE_PREFIX + encodeURIComponent(request.audience ?? defaults.audience),
        }),
      });
      const body = await response.json() as { access_token?: string; error?: string; error_description?: string };
      if (!response.ok || !body.access_token) {
        const cause = lastServerError instanceof Error ? ` (${lastServerError.message})` : '';
        throw new Error(`token request failed: HTTP ${response.status} ${body.error ?? ''}: ${body.error_description ?? ''}${cause}`);
      }
      return body.access_token;
    },

    async rotateSigningKey({ keepPrevious = true } = {}) {
      const fresh = await generateSigningKey(alg);
      keys = keepPrevious ? [fresh, ...keys] : [fresh];
      await install();
    },

    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
