/**
 * One principal model for the three ways in — staff JWT, citizen JWT, API key — so that policies, row
 * filters and the access log never need to know how a caller authenticated.
 */
export type PrincipalType = 'STAFF' | 'CITIZEN' | 'API_KEY';

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
}

export const SCOPES = [
  'citizen:read', 'citizen:address:read', 'citizen:relations:read', 'citizen:protected:read',
  'benefit:read', 'benefit:amount:read', 'case:read', 'case:notes:read', 'audit:read',
  // samgraf's own addition: may introspect the schema where `server.introspection` is `scope`.
  'schema:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * A citizen reads their own data only (rows are filtered to them, and the `self` policy holds on every
 * object they can reach), so within that they hold the read scopes — including their own protected data,
 * which protection hides from others, not from the person. Case notes remain the agency's.
 */
export const CITIZEN_SCOPES: ReadonlySet<string> = new Set<Scope>([
  'citizen:read', 'citizen:address:read', 'citizen:relations:read', 'citizen:protected:read',
  'benefit:read', 'benefit:amount:read', 'case:read',
]);

export const SELF_SERVICE_PURPOSE = 'self-service';

export function hasScope(principal: Principal | null, scope: string): boolean {
  return principal !== null && principal.scopes.has(scope);
}
