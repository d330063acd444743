/**
 * The layers point one way, and the source is the unit (issue 13):
 * - src/core imports nothing above it;
 * - a source module (sources/<folder>/) imports only src/core and its own folder;
 * - nothing outside sources/ names a source — the server, security, access log, seed, demo, config, CLI,
 *   console and benchmark iterate over the registry;
 * - there are no import cycles.
 * Read from the TypeScript sources themselves, so that a new file is checked without being listed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import { SOURCE_MODULES } from '../sources/registry.js';
import { repoRoot } from './helpers/repo.js';

const CODE = /\.(ts|tsx|mjs)$/;

function filesUnder(dir: string): string[] {
  const absolute = join(repoRoot, dir);
  return readdirSync(absolute).flatMap((name) => {
    const path = join(absolute, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : filesUnder(join(dir, name));
    return CODE.test(name) && !name.endsWith('.d.ts') ? [join(dir, name)] : [];
  });
}

/** Relative imports of a file (static, dynamic and re-exports), as repository paths of their .ts sources. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm)]
    .map((match) => match[1] ?? match[2] ?? match[3]!);
  return specifiers.map((specifier) => {
    const target = relative(repoRoot, resolve(dirname(join(repoRoot, file)), specifier)).split(sep).join('/');
    return target.replace(/\.js$/, existsAs(target.replace(/\.js$/, '.tsx')) ? '.tsx' : '.ts');
  });
}

function existsAs(path: string): boolean {
  try {
    return statSync(join(repoRoot, path)).isFile();
  } catch {
    return false;
  }
}

const sourceFolders = readdirSync(join(repoRoot, 'sources')).filter((name) => statSync(join(repoRoot, 'sources', name)).isDirectory());
const coreFiles = filesUnder('src/core');
const moduleFiles = filesUnder('sources').filter((file) => file !== 'sources/registry.ts');
const productFiles = [...filesUnder('src'), ...filesUnder('sources'), ...filesUnder('bench'), ...filesUnder('console')];

describe('architecture: layers, the source as the unit, no cycles', () => {
  test('every source folder is a module the registry lists, and every listed module has a folder', () => {
    assert.equal(sourceFolders.length, SOURCE_MODULES.length, `folders ${sourceFolders.join(', ')}`);
    const registry = readFileSync(join(repoRoot, 'sources/registry.ts'), 'utf8');
    for (const folder of sourceFolders) assert.match(registry, new RegExp(`from '\\./${folder}/index\\.js'`), `${folder} is imported by the registry`);
    assert.ok(SOURCE_MODULES.length >= 4, 'the four sources of legacy-sources.md');
  });

  test('src/core imports nothing above it', () => {
    const offending = coreFiles.flatMap((file) => importsOf(file).filter((target) => !target.startsWith('src/core/')).map((target) => `${file} → ${target}`));
    assert.deepEqual(offending, []);
  });

  test('a source module imports only src/core and its own folder', () => {
    const offending = moduleFiles.flatMap((file) => {
      const folder = file.split('/').slice(0, 2).join('/') + '/';
      return importsOf(file).filter((target) => !target.startsWith('src/core/') && !target.startsWith(folder)).map((target) => `${file} → ${target}`);
    });
    assert.deepEqual(offending, []);
  });

  test('nothing outside sources/ names a source', () => {
    const names = [...SOURCE_MODULES.map((module) => module.name), ...sourceFolders];
    const pattern = new RegExp(`\\b(${names.join('|')})\\b`);
    // The floor is not samgraf: it is the benchmark's hand-written baseline, the SQL a developer would write
    // against these very tables by hand, to measure what samgraf's generality costs.
    const exempt = new Set(['bench/floor.ts']);
    const offending = productFiles
      .filter((file) => !file.startsWith('sources/') && !exempt.has(file))
      .flatMap((file) => readFileSync(join(repoRoot, file), 'utf8').split('\n').map((line, i) => [file, i + 1, line] as const))
      .filter(([, , line]) => pattern.test(line))
      .map(([file, line, text]) => `${file}:${line}: ${text.trim()}`);
    assert.deepEqual(offending, []);
  });

  test('no import cycles', () => {
    const files = [...new Set(productFiles.filter((file) => file.startsWith('src/') || file.startsWith('sources/')))];
    const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => target !== file)]));
    const cycles = findCycles(graph);
    assert.deepEqual(cycles.map((cycle) => cycle.join(' → ')), []);
  });

  test('the cycle finder finds a cycle (so the test above can fail)', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    assert.deepEqual(findCycles(graph).map((cycle) => [...cycle].sort()), [['a', 'b', 'c']]);
  });
});

/** Strongly connected components of more than one file (Tarjan), each a cycle of imports. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.reverse());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}
