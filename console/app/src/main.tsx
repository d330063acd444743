/**
 * The auditor console: sign in with a token (or a demo persona), search the access log, follow up the reads it
 * flagged, verify its chains, and — for a citizen — see who has read their data. Every datum comes from samgraf's
 * public GraphQL API with the signed-in principal's own rights; the console has no back door and no data of its own.
 */
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ChainsPage } from './pages/chains.js';
import { EventsPage } from './pages/events.js';
import { FollowUpPage } from './pages/follow-up.js';
import { MyLogPage } from './pages/my-log.js';
import { SignInPage } from './pages/sign-in.js';
import { navigate, onLinkClick, pathOf, useRoute, type Route } from './router.js';
import { clearSession, loadSession, type Session } from './session.js';
import { LanguageSwitch } from './components.js';
import { formatOrganisation, formatSubject } from './format.js';
import { chooseLanguage, startLanguage, t, tx, type Language, type PlainKey } from './i18n/index.js';
import { personaLabel } from './personas.js';
import './styles.css';

const TITLES: Readonly<Record<Route, PlainKey>> = {
  'sign-in': 'title.sign-in',
  events: 'title.events',
  'follow-up': 'title.follow-up',
  chains: 'title.chains',
  'my-log': 'title.my-log',
  'not-found': 'app.notFound.title',
};

function homeOf(session: Session): Exclude<Route, 'not-found'> {
  return session.me.type === 'CITIZEN' ? 'my-log' : 'events';
}

function App() {
  const { route, state } = useRoute();
  const [session, setSession] = useState<Session | null>(loadSession);
  // Everything below re-renders when this changes, and `t` reads the language chosen.
  const [language, setLanguage] = useState<Language>(startLanguage);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Pages need a session, and each kind of user has their own pages.
  const target: Route = !session ? 'sign-in'
    : route === 'sign-in' ? homeOf(session)
      : (route === 'my-log') !== (session.me.type === 'CITIZEN') && route !== 'not-found' ? homeOf(session)
        : route;
  // Before the browser paints or anything else runs: the address bar never shows one page's URL over another.
  useLayoutEffect(() => {
    if (target !== route && target !== 'not-found') navigate(target, null, true);
  }, [target, route]);

  // The tab's title names the page, in the language of the moment.
  useEffect(() => {
    document.title = `${t(TITLES[target])} — ${t('app.titleSuffix')}`;
  }, [target, language]);
  // A new page is announced by moving focus to its heading (not on the first load: the browser starts at the top).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [target]);

  const signOut = () => {
    clearSession();
    setSession(null);
    navigate('sign-in');
  };
  const signedIn = (next: Session) => setSession(next);
  const switchLanguage = (next: Language) => {
    chooseLanguage(next);
    setLanguage(next);
  };

  return (
    <>
      <a class="skip-link" href="#main">{t('app.skipLink')}</a>
      <header class="site-header">
        <p class="brand"><span class="brand-name">samgraf</span> <span class="brand-sub">{t('app.brandSub')}</span></p>
        {session && (
          <nav aria-label={t('app.navLabel')}>
            <ul>
              {session.me.type === 'CITIZEN'
                ? <li><a href={pathOf('my-log')} aria-current={target === 'my-log' ? 'page' : undefined}>{t('nav.my-log')}</a></li>
                : <>
                  <li><a href={pathOf('events')} aria-current={target === 'events' ? 'page' : undefined}>{t('nav.events')}</a></li>
                  <li><a href={pathOf('follow-up')} aria-current={target === 'follow-up' ? 'page' : undefined}>{t('nav.follow-up')}</a></li>
                  <li><a href={pathOf('chains')} aria-current={target === 'chains' ? 'page' : undefined}>{t('nav.chains')}</a></li>
                </>}
              <li><a href="/graphql">{t('app.ide')}</a></li>
            </ul>
          </nav>
        )}
        <div class="who">
          {session && (
            <>
              <span>{tx('app.signedInAs', { who: <strong>{session.label ? personaLabel(session.personaId, session.label) : formatSubject(session.me.type, session.me.subject)}</strong> })}
                {session.me.organization ? <> · {formatOrganisation(session.me.organization)}</> : null}</span>
              <button type="button" class="secondary" onClick={signOut}>{t('app.signOut')}</button>
            </>
          )}
          <LanguageSwitch current={language} onChoose={switchLanguage} />
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {target === 'sign-in' && <SignInPage onSignedIn={signedIn} />}
        {session && target === 'events' && <EventsPage session={session} state={state} onSignOut={signOut} />}
        {session && target === 'follow-up' && <FollowUpPage session={session} onSignOut={signOut} />}
        {session && target === 'chains' && <ChainsPage session={session} onSignOut={signOut} />}
        {session && target === 'my-log' && <MyLogPage session={session} onSignOut={signOut} />}
        {target === 'not-found' && (
          <>
            <h1 tabIndex={-1}>{t('app.notFound.title')}</h1>
            <p>{tx('app.notFound.text', { link: <a href={pathOf('sign-in')}>{t('app.notFound.link')}</a> })}</p>
          </>
        )}
      </main>
    </>
  );
}

document.addEventListener('click', onLinkClick);
render(<App />, document.getElementById('app')!);
