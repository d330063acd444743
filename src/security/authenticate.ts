/**
 * Who is asking: a bearer JWT, an API key, or nobody. Invalid credentials are always refused (401); no
 * credentials at all yield `null`, and the operation plugin refuses anything but schema metadata then.
 */
import type { ApiKeyStore } from './api-keys.js';
import { AuthenticationError } from './errors.js';
import type { JwtVerifier } from './jwt.js';
import type { Principal } from './principal.js';

export interface Credentials {
  authorization: string | undefined;
  apiKey: string | undefined;
}

export class Authenticator {
  constructor(private readonly jwt: JwtVerifier, private readonly apiKeys: ApiKeyStore) {}

  async authenticate({ authorization, apiKey }: Credentials): Promise<Principal | null> {
    if (authorization !== undefined && apiKey !== undefined) throw new AuthenticationError('AMBIGUOUS');
    if (apiKey !== undefined) return this.apiKeys.authenticate(apiKey);
    if (authorization === undefined) return null;
    const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
    if (!match) throw new AuthenticationError(authorization.length > 8192 ? 'TOO_LARGE' : 'MALFORMED');
    return this.jwt.verify(match[1]!);
  }
}
