/**
 * The browser pages' files (dist/web/console and dist/web/ide, built by console/build.mjs), read into memory at
 * start. Serving only what is in the table makes directory traversal impossible by construction: a URL is a key,
 * never a path on disk. The whole site is a few megabytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
  /** Vite's hashed output under assets/: its name changes with its content, so it may be cached for good. */
  immutable: boolean;
}

export interface StaticSite {
  /** The page itself (index.html), for every route of a single-page app. */
  index: StaticFile;
  /** Files by their path under the site's URL prefix, e.g. `assets/index-3f2a.js`. */
  files: ReadonlyMap<string, StaticFile>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function staticFile(path: string, immutable: boolean): StaticFile {
  const body = readFileSync(path);
  return {
    body,
    contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    immutable,
  };
}

/** The built site in `dir`, or null when it has not been built (no index.html). */
export function loadStaticSite(dir: string): StaticSite | null {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return null;
  const files = new Map<string, StaticFile>();
  for (const path of filesUnder(dir)) {
    const key = relative(dir, path).split(sep).join('/');
    if (key === 'index.html') continue;
    files.set(key, staticFile(path, key.startsWith('assets/')));
  }
  return { index: staticFile(indexPath, false), files };
}
