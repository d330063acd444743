/**
 * One principal model for the three ways in — staff JWT, citizen JWT, API key — so that policies, row
 * filters and the access log never need to know how a caller authenticated.
 */
import type { PrincipalType } from './generated/schema-types.js';

export type { PrincipalType };

export interface Principal {
  type: PrincipalType;
  /** Officer id (staff), personal number (citizen) or key id (API key). */
  subject: string;
  /** Organisation code (`FK`, `AF`, `SKV`, a municipality's code); null for citizens. */
  organization: string | null;
  scopes: ReadonlySet<string>;
  /** The purposes this principal may state; already intersected with the configured purposes. */
  purposes: readonly string[];
  /** Restricts rows to citizens registered in this municipality. */
  municipality: string | null;
  apiKeyId: string | null;
  issuer: string | null;
  /** A purpose bound to the credential itself (the token's `purpose` claim). */
  boundPurpose: string | null;
  /**
   * The registered client the caller calls through: an API key, or a JWT client (`azp` / `client_id`) named in
   * config `clients`. Absent or null for any other caller.
   */
  client?: Client | null;
  /**
   * A staff member's own personal number (the optional `personalNumber` claim): follow-up finds their reads of
   * their relatives and household by it. Absent or null for anyone else.
   */
  personalNumber?: string | null;
}

/** How a client may send its operations: `required` runs only its trusted documents (security/trusted-documents.ts). */
export type TrustedDocumentsMode = 'required' | 'optional';
export const TRUSTED_DOCUMENTS_MODES: readonly TrustedDocumentsMode[] = ['required', 'optional'];

export interface Client {
  id: string;
  trustedDocuments: TrustedDocumentsMode;
}

export const SELF_SERVICE_PURPOSE = 'self-service';

export function hasScope(principal: Principal | null, scope: string): boolean {
  return principal !== null && principal.scopes.has(scope);
}
