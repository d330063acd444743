/** Five pages under /console, switched in the browser; the server answers every one of them with index.html. */
import { useEffect, useState } from 'preact/hooks';

export type Route = 'sign-in' | 'events' | 'follow-up' | 'chains' | 'my-log' | 'not-found';

const PATHS: Readonly<Record<Exclude<Route, 'not-found'>, string>> = {
  'sign-in': '/console/',
  events: '/console/events',
  'follow-up': '/console/follow-up',
  chains: '/console/chains',
  'my-log': '/console/my-log',
};

export function pathOf(route: Exclude<Route, 'not-found'>): string {
  return PATHS[route];
}

export function routeOf(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/console') return 'sign-in';
  const found = (Object.entries(PATHS) as [Route, string][]).find(([, p]) => p === path);
  return found ? found[0] : 'not-found';
}

/** Navigation state that must not go into the URL (it may hold personal numbers): passed along in history.state. */
export type NavigationState = Record<string, unknown> | null;

export function navigate(route: Exclude<Route, 'not-found'>, state: NavigationState = null, replace = false): void {
  if (replace) history.replaceState(state, '', PATHS[route]);
  else history.pushState(state, '', PATHS[route]);
  dispatchEvent(new PopStateEvent('popstate', { state }));
}

export function useRoute(): { route: Route; state: NavigationState } {
  const read = () => ({ route: routeOf(location.pathname), state: (history.state ?? null) as NavigationState });
  const [current, setCurrent] = useState(read);
  useEffect(() => {
    const update = () => setCurrent(read());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return current;
}

/** Plain links inside the console navigate without a reload; modified clicks (new tab) keep the browser's way. */
export function onLinkClick(event: MouseEvent): void {
  const link = (event.target as Element | null)?.closest?.('a');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || link.hasAttribute('download') || url.hash) return;
  const route = routeOf(url.pathname);
  if (route === 'not-found' || !url.pathname.startsWith('/console')) return;
  event.preventDefault();
  navigate(route);
}
