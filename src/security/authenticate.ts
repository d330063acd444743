/**
 * Who is asking: a bearer JWT, an API key, or nobody. Invalid credentials are always refused (401); no
 * credentials at all yield `null`, and the operation plugin refuses anything but schema metadata then.
 */
import type { ApiKeyStore } from './api-keys.js';
import { AuthenticationError } from './errors.js';
import type { JwtVerifier } from './jwt.js';
import type { Principal } from '../core/principal.js';

/** Why credentials other than a JWT's own contents were refused (the JWT verifier reports those itself). */
export interface CredentialRefusal {
  credential: 'api-key' | 'authorization';
  reason: AuthenticationError['problem'];
}

export interface Credentials {
  authorization: string | undefined;
  apiKey: string | undefined;
}

export class Authenticator {
  constructor(
    private readonly jwt: JwtVerifier,
    private readonly apiKeys: ApiKeyStore,
    /** Operators need to know why a caller got 401; the category only, never the credential. */
    private readonly onRejected: (refusal: CredentialRefusal) => void = () => {},
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

  private refuse(credential: CredentialRefusal['credential'], error: AuthenticationError): AuthenticationError {
    this.onRejected({ credential, reason: error.problem });
    return error;
  }
}
