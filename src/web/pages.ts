/**
 * The browser pages samgraf serves itself: the auditor console under /console and the GraphQL IDE at /graphql
 * (for a browser asking for HTML), each with a strict Content-Security-Policy. The policy allows nothing but
 * samgraf's own origin — no CDN, no external font, no inline script — so the pages work air-gapped, and a page
 * that tried to load anything from elsewhere would be stopped by the browser.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { loadStaticSite, type StaticFile, type StaticSite } from './static-site.js';

export const WEB_DIR = join(packageRoot, 'dist', 'web');

/**
 * Everything from 'self' only. Fonts and images may also be data: URLs, because GraphiQL's stylesheet carries its
 * fonts and icons inline (they come with the stylesheet, not from a network). No page may be framed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export type PageAnswer = 'served' | 'not-found';

export interface WebPages {
  /** GET/HEAD under /console: the app for its routes, its files, or 'not-found'. */
  console(path: string, req: IncomingMessage, res: ServerResponse): PageAnswer;
  /** GET/HEAD under /graphql/assets/. */
  ideAsset(path: string, req: IncomingMessage, res: ServerResponse): PageAnswer;
  /** The IDE page itself, for GET /graphql from a browser. */
  ide(req: IncomingMessage, res: ServerResponse): PageAnswer;
  readonly consoleEnabled: boolean;
  readonly ideEnabled: boolean;
}

function send(req: IncomingMessage, res: ServerResponse, file: StaticFile): PageAnswer {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
  res.setHeader('content-type', file.contentType);
  res.setHeader('etag', file.etag);
  // Hashed assets never change under their name; pages are revalidated so a new build is picked up at once.
  res.setHeader('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (req.headers['if-none-match'] === file.etag) {
    res.statusCode = 304;
    res.end();
    return 'served';
  }
  res.statusCode = 200;
  res.setHeader('content-length', file.body.length);
  res.end(req.method === 'HEAD' ? undefined : file.body);
  return 'served';
}

/** A path under a site's prefix: its file, or — for a route of the app (no file extension) — `page`, if it has routes. */
function answer(site: StaticSite | null, rest: string, req: IncomingMessage, res: ServerResponse, page: (() => StaticFile) | null): PageAnswer {
  if (!site) return 'not-found';
  const file = site.files.get(rest);
  if (file) return send(req, res, file);
  const last = rest.split('/').at(-1) ?? '';
  if (page && !rest.startsWith('assets/') && !last.includes('.')) return send(req, res, page());
  return 'not-found';
}

/**
 * Does the browser rank Swedish above English (Accept-Language)? The same rule as the console's own choice
 * (console/app/src/i18n/messages.ts), which also honours a choice made earlier: this only makes the page say the
 * right `<html lang>` from its first byte.
 */
function prefersSwedish(acceptLanguage: string | undefined): boolean {
  const ranked = (acceptLanguage ?? '').split(',').map((entry, index) => {
    const [tag = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    return { primary: tag.split('-')[0], q: q === undefined ? 1 : Number(q.slice(2)), index };
  }).filter((range) => range.q > 0 && (range.primary === 'sv' || range.primary === 'en'));
  ranked.sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.primary === 'sv';
}

/** The console page in Swedish: only its `<html lang>` differs (the app writes the rest), so does its ETag. */
function swedish(index: StaticFile): StaticFile {
  const body = Buffer.from(index.body.toString('utf8').replace('<html lang="en">', '<html lang="sv">'), 'utf8');
  return { ...index, body, etag: index.etag.replace(/"$/, '-sv"') };
}

export function createWebPages(options: { console: boolean; ide: boolean; dir?: string }): WebPages & { missing: string[] } {
  const dir = options.dir ?? WEB_DIR;
  const consoleSite = options.console ? loadStaticSite(join(dir, 'console')) : null;
  const ideSite = options.ide ? loadStaticSite(join(dir, 'ide')) : null;
  const missing = [...(options.console && !consoleSite ? ['console'] : []), ...(options.ide && !ideSite ? ['ide'] : [])];
  const consoleSv = consoleSite ? swedish(consoleSite.index) : null;
  // The page's language follows Accept-Language, so a cache must keep one copy per language.
  const consolePage = (req: IncomingMessage, res: ServerResponse) => (): StaticFile => {
    res.setHeader('vary', 'accept-language');
    return prefersSwedish(req.headers['accept-language']) && consoleSv ? consoleSv : consoleSite!.index;
  };
  return {
    consoleEnabled: consoleSite !== null,
    ideEnabled: ideSite !== null,
    missing,
    console(path, req, res) {
      if (path === '/console') return answer(consoleSite, '', req, res, consolePage(req, res));
      return answer(consoleSite, path.slice('/console/'.length), req, res, consolePage(req, res));
    },
    ideAsset(path, req, res) {
      return answer(ideSite, path.slice('/graphql/'.length), req, res, null);
    },
    ide(req, res) {
      // GET /graphql answers GraphQL or this page depending on Accept.
      res.setHeader('vary', 'accept');
      return ideSite ? send(req, res, ideSite.index) : 'not-found';
    },
  };
}

/**
 * A browser navigating to /graphql: it asks for HTML and carries no operation (`query`, or a persisted document's `documentId` or `extensions`). GraphQL-over-HTTP GETs
 * (which always carry one of them), POSTs and clients that ask for JSON are GraphQL requests as before.
 */
export function wantsIdePage(req: IncomingMessage, url: URL): boolean {
  if (req.method !== 'GET' || ['query', 'documentId', 'extensions'].some((name) => url.searchParams.has(name))) return false;
  const accept = req.headers.accept;
  if (typeof accept !== 'string') return false;
  return accept.split(',').some((entry) => {
    const [type, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    return type === 'text/html' && (q === undefined || Number(q.slice(2)) > 0);
  });
}
