/**
 * Who is asking: a bearer JWT, an API key, or nobody. Invalid credentials are always refused (401); no
 * credentials at all yield `null`, and the operation plugin refuses anything but schema metadata then.
 */
import type { ApiKeyStore } from './api-keys.js';
import { AuthenticationError, type Refusal } from './errors.js';
import type { JwtVerifier } from './jwt.js';
import type { Principal } from '../core/principal.js';

export interface Credentials {
  authorization: string | undefined;
  apiKey: string | undefined;
}

export class Authenticator {
  constructor(
    private readonly jwt: JwtVerifier,
    private readonly apiKeys: ApiKeyStore,
  ) {}

  async authenticate({ authorization, apiKey }: Credentials): Promise<Principal | null> {
    if (authorization !== undefined && apiKey !== undefined) throw this.refuse('authorization', new AuthenticationError('AMBIGUOUS'));
    if (apiKey !== undefined) {
      return this.apiKeys.authenticate(apiKey).catch((error: unknown) => {
        throw error instanceof AuthenticationError ? this.refuse('api-key', error) : error;
      });
    }
    if (authorization === undefined) return null;
    const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
    if (!match) throw this.refuse('authorization', new AuthenticationError(authorization.length > 8192 ? 'TOO_LARGE' : 'MALFORMED'));
    return this.jwt.verify(match[1]!);
  }

  /** Operators need to know why a caller got 401: the error says which credential, for the log. */
  private refuse(credential: NonNullable<Refusal['credential']>, error: AuthenticationError): AuthenticationError {
    return new AuthenticationError(error.problem, { credential });
  }
}
