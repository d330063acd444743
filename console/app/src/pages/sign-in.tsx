/** Sign in with a token or API key — or, in demo mode, with one click per demo persona. */
import { useEffect, useState } from 'preact/hooks';
import { credentialHeaders, credentialsFrom, postGraphQL, type Credentials } from '../../../shared/graphql-http.js';
import { loadDemoPersonas, type DemoPersona } from '../../../shared/personas.js';
import { ProblemAlert } from '../components.js';
import { networkProblem, problemOf, type Problem } from '../problems.js';
import type { ConsoleMeQuery } from '../generated.js';
import { ME } from '../queries.js';
import { saveSession, type Session } from '../session.js';

export function SignInPage({ onSignedIn }: { onSignedIn(session: Session): void }) {
  const [personas, setPersonas] = useState<DemoPersona[]>([]);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    void loadDemoPersonas().then(setPersonas);
  }, []);

  // Who the server thinks the credentials are (`me` needs no purpose and reads no personal data).
  async function signIn(credentials: Credentials, label: string | null) {
    setBusy(true);
    setProblem(null);
    try {
      const result = await postGraphQL<ConsoleMeQuery>(ME, {}, credentialHeaders(credentials));
      const failed = problemOf(result, {});
      if (failed || !result.data?.me) {
        setProblem(failed?.code === 'UNAUTHENTICATED'
          ? { ...failed, message: 'samgraf did not accept these credentials: they are malformed, expired, or from an issuer it does not trust.', signInAgain: false }
          : failed ?? { code: 'NO_PRINCIPAL', message: 'samgraf did not say who you are. Try again.', signInAgain: false });
        return;
      }
      const session: Session = { credentials, me: result.data.me, label };
      saveSession(session);
      onSignedIn(session);
    } catch (error) {
      setProblem(networkProblem(error));
    } finally {
      setBusy(false);
    }
  }

  const submit = (event: Event) => {
    event.preventDefault();
    if (token.trim() === '') {
      setProblem({ code: 'EMPTY', message: 'Paste a token or an API key first.', signInAgain: false });
      return;
    }
    void signIn(credentialsFrom(token), null);
  };

  return (
    <>
      <h1 tabIndex={-1}>Sign in</h1>
      <p class="lead">
        The console reads samgraf's access log through its GraphQL API with your own rights: auditors search who
        read whose data and check that the log is intact; citizens see which organisations read their data.
      </p>
      <ProblemAlert problem={problem} />
      {personas.length > 0 && (
        <section aria-labelledby="personas-heading" class="panel">
          <h2 id="personas-heading">Demo personas</h2>
          <p>Demo mode only: each button signs in with a token from the demo's own issuer.</p>
          <ul class="personas">
            {personas.map((persona) => (
              <li key={persona.id}>
                <button type="button" disabled={busy} onClick={() => void signIn(persona.credentials, persona.label)} data-persona={persona.id}>
                  Sign in as {persona.label}
                </button>
                <p class="muted">{persona.description}</p>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="token-heading" class="panel">
        <h2 id="token-heading">Sign in with a token</h2>
        <form onSubmit={submit}>
          <label for="token">Access token or API key</label>
          <p id="token-hint" class="hint">
            A JWT from your identity provider, or a partner API key (starting <code>sgk_</code>). It is kept only in this
            browser tab and sent only to samgraf.
          </p>
          <textarea id="token" name="token" rows={4} aria-describedby="token-hint" spellcheck={false} autoComplete="off"
            value={token} onInput={(event) => setToken(event.currentTarget.value)} />
          <div class="actions">
            <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
          </div>
        </form>
      </section>
    </>
  );
}
