#!/usr/bin/env node
/**
 * Builds the browser pages that samgraf serves — the auditor console (console/app, Preact) and the GraphQL IDE
 * (console/ide, GraphiQL on React) — into dist/web/, with Vite. `npm run build` runs it after tsc, so `npm ci`,
 * `npm start`, `npm test` and `npm run bench` all get it; the output is never committed.
 *
 * It type-checks the browser code first (tsc --noEmit), then bundles every asset locally: nothing the pages load
 * comes from anywhere but samgraf. A stamp of the inputs (these sources and package-lock.json) lets an unchanged
 * tree skip the work, so a rebuild costs nothing when only server code changed.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, 'dist', 'web');
const stampFile = join(out, 'build-stamp.txt');

/** The two pages: where their source is, where they go, and the URL path they are served under. */
const PAGES = [
  { name: 'console', dir: join(here, 'app'), outDir: join(out, 'console'), base: '/console/', jsxImportSource: 'preact', tsconfig: 'tsconfig.json' },
  { name: 'ide', dir: join(here, 'ide'), outDir: join(out, 'ide'), base: '/graphql/', jsxImportSource: 'react', tsconfig: 'tsconfig.ide.json' },
];

/** Server modules the pages bundle too (pure code, one definition for both). */
const SHARED_WITH_SERVER = [join(root, 'src', 'access-log', 'csv.ts'), join(root, 'src', 'access-log', 'canonical-json.ts'), ...files(join(root, 'src', 'access-log', 'transparency')).filter((file) => /(note|proofs|receipt)\.ts$/.test(file))];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function inputsStamp() {
  const hash = createHash('sha256');
  for (const file of [...files(here), ...SHARED_WITH_SERVER, join(root, 'package-lock.json')].sort()) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const stamp = inputsStamp();
const built = PAGES.every((page) => existsSync(join(page.outDir, 'index.html')));
if (built && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp && !process.argv.includes('--force')) {
  process.stdout.write('console and IDE: up to date (dist/web)\n');
  process.exit(0);
}

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const page of PAGES) {
  const checked = spawnSync(process.execPath, [tsc, '-p', join(here, page.tsconfig)], { stdio: 'inherit' });
  if (checked.status !== 0) {
    process.stderr.write(`console/build.mjs: the ${page.name} code does not type-check\n`);
    process.exit(1);
  }
}

const { build } = await import('vite');
for (const page of PAGES) {
  await build({
    configFile: false,
    root: page.dir,
    base: page.base,
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: page.jsxImportSource } },
    build: {
      outDir: page.outDir,
      emptyOutDir: true,
      // Every asset is a file of its own (no data: URLs from our sources), hashed, so it can be cached for good.
      assetsInlineLimit: 0,
      sourcemap: false,
      // GraphiQL with its editor is one large chunk; that is expected, not a warning.
      chunkSizeWarningLimit: 4096,
      rolldownOptions: {
        // React libraries mark modules "use client" for server-component bundlers; a browser bundle needs no note of it.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
      },
    },
  });
}
mkdirSync(out, { recursive: true });
writeFileSync(stampFile, `${stamp}\n`);
process.stdout.write('console and IDE built into dist/web\n');
