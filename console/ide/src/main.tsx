/**
 * The GraphQL IDE at /graphql: GraphiQL, bundled and served by samgraf itself, so it works where nothing loads
 * from the internet. It sends every request to /graphql on the same origin with the headers in its headers
 * editor. In demo mode a persona switcher fills those headers (and an example query) with the demo's tokens;
 * switching asks before it replaces a query the user wrote. Elsewhere, a sign-in made in the auditor console of
 * the same tab is offered, or a template to complete. Nothing is run until the user runs it: GraphiQL only
 * introspects the schema (for completion and the docs, whose field descriptions end in each field's rules).
 */
import { StrictMode, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { useEditorContext } from '@graphiql/react';
import { createGraphiQLFetcher, type Storage } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './ide.css';
import { credentialHeaders, type Credentials } from '../../shared/graphql-http.js';
import { loadDemoPersonas, type DemoPersona } from '../../shared/personas.js';
import { loadStoredSession, purposeFor } from '../../shared/session.js';
import { keepAccessible } from './accessibility.js';
import { ConfirmReplace, type ReplaceAnswer } from './confirm-replace.js';

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

type Editor = { getValue(): string; setValue(text: string): void };

/** GraphiQL's query and headers editors, handed out of its context (they exist only inside <GraphiQL>). */
function EditorBridge({ onEditors }: { onEditors(editors: { query: Editor | null; headers: Editor | null }): void }) {
  const context = useEditorContext();
  const query = context?.queryEditor ?? null;
  const headers = context?.headerEditor ?? null;
  useEffect(() => onEditors({ query, headers }), [query, headers]);
  return null;
}

function Ide() {
  const [personas, setPersonas] = useState<DemoPersona[]>([]);
  const signIn = useMemo(consoleSignIn, []);
  const [choice, setChoice] = useState(signIn ? 'console' : '');
  const [headers, setHeaders] = useState(() => headersText(signIn?.credentials ?? null, signIn?.purpose ?? null));
  const [query, setQuery] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState<DemoPersona | null>(null);
  const editors = useRef<{ query: Editor | null; headers: Editor | null }>({ query: null, headers: null });
  const picker = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    void loadDemoPersonas().then((found) => {
      setPersonas(found);
      // On load, a query typed before the personas arrived is kept (nobody is there to ask yet).
      if (found.length > 0 && !signIn) switchTo(found[0]!, isEdited(found) ? 'keep' : 'replace');
    });
  }, []);

  /**
   * Whether the query editor holds the user's own work: text that is none of the IDE's own (the welcome, a
   * persona's example) and not empty. Replacing anything else loses nothing, so it is replaced without asking.
   */
  function isEdited(list: readonly DemoPersona[]): boolean {
    const text = editors.current.query?.getValue();
    if (text === undefined || text.trim() === '') return false;
    return text !== WELCOME && !list.some((persona) => persona.exampleQuery === text);
  }

  /** Credentials follow the persona shown in the picker, always; the query only when `replace`. */
  function switchTo(persona: DemoPersona, answer: Exclude<ReplaceAnswer, 'cancel'>) {
    setChoice(persona.id);
    const text = headersText(persona.credentials, persona.purpose);
    editors.current.headers?.setValue(text);
    setHeaders(text);
    if (answer === 'keep') return;
    // Straight into the editor: the query prop only reaches it when its value changes, and an edited query may
    // stand where the same example was put before.
    if (editors.current.query) editors.current.query.setValue(persona.exampleQuery);
    else setQuery(persona.exampleQuery);
  }

  function choose(id: string) {
    if (id === 'console' && signIn) {
      setChoice(id);
      const text = headersText(signIn.credentials, signIn.purpose);
      editors.current.headers?.setValue(text);
      setHeaders(text);
      return;
    }
    const persona = personas.find((p) => p.id === id);
    if (!persona) return;
    if (isEdited(personas)) setPending(persona);
    else switchTo(persona, 'replace');
  }

  function answered(answer: ReplaceAnswer) {
    const persona = pending;
    setPending(null);
    if (persona && answer !== 'cancel') switchTo(persona, answer);
  }

  // Back to the picker once the question is gone: after the dialog closed, which moves focus on its own.
  const asked = useRef(false);
  useEffect(() => {
    if (pending) asked.current = true;
    else if (asked.current) picker.current?.focus();
  }, [pending]);

  return (
    <>
      <header className="ide-header">
        <h1>samgraf GraphQL IDE</h1>
        {(personas.length > 0 || signIn) && (
          <div className="ide-persona">
            <label htmlFor="persona">{personas.length > 0 ? 'Demo persona' : 'Credentials'}</label>
            <select id="persona" ref={picker} value={choice} onChange={(event) => choose(event.currentTarget.value)}>
              {!choice && <option value="">Choose…</option>}
              {signIn && <option value="console">My console sign-in ({signIn.label})</option>}
              {personas.map((persona) => <option key={persona.id} value={persona.id}>{persona.label}</option>)}
            </select>
            <span className="ide-hint">fills the Headers tab{personas.length > 0 ? ' and an example query' : ''}</span>
          </div>
        )}
        <nav aria-label="samgraf"><a href="/console/">Auditor console</a></nav>
      </header>
      {pending && <ConfirmReplace persona={pending.label} onAnswer={answered} />}
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
        >
          <EditorBridge onEditors={(found) => { editors.current = found; }} />
        </GraphiQL>
      </div>
    </>
  );
}

const root = document.getElementById('ide')!;
createRoot(root).render(<StrictMode><Ide /></StrictMode>);
keepAccessible(root);
