/** Sign in with a token or API key — or, in demo mode, with one click per demo persona. */
import { useEffect, useState } from 'preact/hooks';
import { credentialHeaders, credentialsFrom, postGraphQL, type Credentials } from '../../../shared/graphql-http.js';
import { loadDemoPersonas, type DemoPersona } from '../../../shared/personas.js';
import { ProblemAlert } from '../components.js';
import { t, tx } from '../i18n/index.js';
import { personaDescription, personaLabel } from '../personas.js';
import { localProblem, networkProblem, problemOf, type Problem } from '../problems.js';
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
  async function signIn(credentials: Credentials, persona: DemoPersona | null) {
    setBusy(true);
    setProblem(null);
    try {
      const result = await postGraphQL<ConsoleMeQuery>(ME, {}, credentialHeaders(credentials));
      const failed = problemOf(result, {});
      if (failed || !result.data?.me) {
        setProblem(failed?.code === 'UNAUTHENTICATED'
          ? localProblem(failed.code, () => t('signIn.rejected'))
          : failed ?? localProblem('NO_PRINCIPAL', () => t('signIn.noPrincipal')));
        return;
      }
      const session: Session = { credentials, me: result.data.me, label: persona?.label ?? null, personaId: persona?.id ?? null };
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
      setProblem(localProblem('EMPTY', () => t('signIn.empty')));
      return;
    }
    void signIn(credentialsFrom(token), null);
  };

  return (
    <>
      <h1 tabIndex={-1}>{t('title.sign-in')}</h1>
      <p class="lead">{t('signIn.lead')}</p>
      <ProblemAlert problem={problem} />
      {personas.length > 0 && (
        <section aria-labelledby="personas-heading" class="panel">
          <h2 id="personas-heading">{t('signIn.personas.heading')}</h2>
          <p>{t('signIn.personas.text')}</p>
          <ul class="personas">
            {personas.map((persona) => (
              <li key={persona.id}>
                <button type="button" disabled={busy} onClick={() => void signIn(persona.credentials, persona)} data-persona={persona.id}>
                  {t('signIn.as', { who: personaLabel(persona.id, persona.label) })}
                </button>
                <p class="muted">{personaDescription(persona.id, persona.description)}</p>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="token-heading" class="panel">
        <h2 id="token-heading">{t('signIn.token.heading')}</h2>
        <form onSubmit={submit}>
          <label for="token">{t('signIn.token.label')}</label>
          <p id="token-hint" class="hint">{tx('signIn.token.hint', { prefix: <code>sgk_</code> })}</p>
          <textarea id="token" name="token" rows={4} aria-describedby="token-hint" spellcheck={false} autoComplete="off"
            value={token} onInput={(event) => setToken(event.currentTarget.value)} />
          <div class="actions">
            <button type="submit" disabled={busy}>{busy ? t('signIn.busy') : t('signIn.submit')}</button>
          </div>
        </form>
      </section>
    </>
  );
}
