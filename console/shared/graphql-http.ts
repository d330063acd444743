/**
 * The one way the browser pages talk to samgraf: GraphQL over HTTP POST to /graphql on the same origin, with
 * the signed-in principal's own credentials and the purpose they state. Nothing else is ever fetched.
 */

export interface Credentials {
  /** A JWT goes in `Authorization: Bearer`, a partner's key (`sgk_…`) in `X-API-Key`. */
  kind: 'bearer' | 'apiKey';
  value: string;
}

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResult<T> {
  status: number;
  data: T | null;
  errors: GraphQLErrorBody[];
}

/** A JWT or an API key, told apart by the key's fixed prefix. */
export function credentialsFrom(text: string): Credentials {
  const value = text.trim().replace(/^Bearer\s+/i, '');
  return { kind: /^sgk_/.test(value) ? 'apiKey' : 'bearer', value };
}

export function credentialHeaders(credentials: Credentials): Record<string, string> {
  return credentials.kind === 'apiKey' ? { 'x-api-key': credentials.value } : { authorization: `Bearer ${credentials.value}` };
}

export class NetworkError extends Error {
  constructor() {
    super('samgraf did not answer. Check the connection and try again.');
  }
}

export async function postGraphQL<T>(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<GraphQLResult<T>> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new NetworkError();
  }
  let body: { data?: T | null; errors?: GraphQLErrorBody[] } = {};
  try {
    body = await response.json() as typeof body;
  } catch {
    body = { errors: [{ message: `samgraf answered HTTP ${response.status} without a GraphQL body`, extensions: { code: 'BAD_RESPONSE' } }] };
  }
  return { status: response.status, data: body.data ?? null, errors: body.errors ?? [] };
}
