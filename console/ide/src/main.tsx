/**
 * The GraphQL IDE at /graphql: GraphiQL, bundled and served by samgraf itself, so it works where nothing loads
 * from the internet. It sends every request to /graphql on the same origin with the headers in its headers
 * editor. In demo mode a persona switcher fills those headers (and an example query) with the demo's tokens;
 * elsewhere, a sign-in made in the auditor console of the same tab is offered, or a template to complete.
 */
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher, type Storage } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './ide.css';
import { credentialHeaders, type Credentials } from '../../shared/graphql-http.js';
import { loadDemoPersonas, type DemoPersona } from '../../shared/personas.js';
import { loadStoredSession, purposeFor } from '../../shared/session.js';
import { keepAccessible } from './accessibility.js';

const WELCOME = `# samgraf GraphQL IDE
#
# Put your credentials in the Headers tab below: "Authorization": "Bearer <JWT>" or "X-API-Key": "sgk_…",
# and "X-Purpose" for queries that read personal data. Run with Ctrl-Enter.

{
  me { type subject organization scopes purposes }
}
`;

const TEMPLATE_HEADERS = { Authorization: 'Bearer <paste a token>', 'X-Purpose': '<your purpose of use>' };

/** The auditor console's sign-in in this tab, if any. */
function consoleSignIn(): { credentials: Credentials; purpose: string; label: string } | null {
  const session = loadStoredSession<{ type: string; subject: string }>();
  if (!session?.credentials) return null;
  return { credentials: session.credentials, purpose: purposeFor(session.me.type), label: session.label ?? session.me.subject };
}

function headersText(credentials: Credentials | null, purpose: string | null): string {
  if (!credentials) return JSON.stringify(TEMPLATE_HEADERS, null, 2);
  const named = Object.fromEntries(Object.entries(credentialHeaders(credentials))
    .map(([key, value]) => [key === 'authorization' ? 'Authorization' : 'X-API-Key', value]));
  return JSON.stringify(purpose ? { ...named, 'X-Purpose': purpose } : named, null, 2);
}

const fetcher = createGraphiQLFetcher({ url: '/graphql' });

/**
 * GraphiQL keeps its tabs, history and (through the history, whatever shouldPersistHeaders says) the headers in
 * localStorage by default: tokens, API keys and the personal numbers in queries would outlive the tab on a shared
 * workstation. Here they live in memory and are gone when the page closes.
 */
const entries = new Map<string, string>();
const memoryStorage: Storage = {
  getItem: (key) => entries.get(key) ?? null,
  setItem: (key, value) => { entries.set(key, value); },
  removeItem: (key) => { entries.delete(key); },
  clear: () => entries.clear(),
  get length() {
    return entries.size;
  },
};

function Ide() {
  const [personas, setPersonas] = useState<DemoPersona[]>([]);
  const signIn = useMemo(consoleSignIn, []);
  const [choice, setChoice] = useState(signIn ? 'console' : '');
  const [headers, setHeaders] = useState(() => headersText(signIn?.credentials ?? null, signIn?.purpose ?? null));
  const [query, setQuery] = useState<string | undefined>(undefined);

  useEffect(() => {
    void loadDemoPersonas().then((found) => {
      setPersonas(found);
      if (found.length > 0 && !signIn) choose(found, found[0]!.id);
    });
  }, []);

  function choose(list: DemoPersona[], id: string) {
    setChoice(id);
    if (id === 'console' && signIn) {
      setHeaders(headersText(signIn.credentials, signIn.purpose));
      return;
    }
    const persona = list.find((p) => p.id === id);
    if (!persona) return;
    setHeaders(headersText(persona.credentials, persona.purpose));
    setQuery(persona.exampleQuery);
  }

  return (
    <>
      <header className="ide-header">
        <h1>samgraf GraphQL IDE</h1>
        {(personas.length > 0 || signIn) && (
          <div className="ide-persona">
            <label htmlFor="persona">{personas.length > 0 ? 'Demo persona' : 'Credentials'}</label>
            <select id="persona" value={choice} onChange={(event) => choose(personas, event.currentTarget.value)}>
              {!choice && <option value="">Choose…</option>}
              {signIn && <option value="console">My console sign-in ({signIn.label})</option>}
              {personas.map((persona) => <option key={persona.id} value={persona.id}>{persona.label}</option>)}
            </select>
            <span className="ide-hint">fills the Headers tab{personas.length > 0 ? ' and an example query' : ''}</span>
          </div>
        )}
        <nav aria-label="samgraf"><a href="/console/">Auditor console</a></nav>
      </header>
      <div className="ide-body">
        <GraphiQL
          fetcher={fetcher}
          defaultQuery={WELCOME}
          query={query}
          headers={headers}
          defaultHeaders={headers}
          defaultEditorToolsVisibility="headers"
          shouldPersistHeaders={false}
          storage={memoryStorage}
          forcedTheme="light"
        />
      </div>
    </>
  );
}

const root = document.getElementById('ide')!;
createRoot(root).render(<StrictMode><Ide /></StrictMode>);
keepAccessible(root);
