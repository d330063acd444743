/** The public reference data in ../shared/data (see its PROVENANCE.md). Tests only; never runtime code. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

export const sharedDataDir = join(repoRoot, '..', 'shared', 'data');

/** Returns the file's path, or a reason to skip when CI's ../shared is not beside the repo. */
export function sharedDataFile(name: string): { path: string; skip: false } | { path: null; skip: string } {
  const path = join(sharedDataDir, name);
  return existsSync(path) ? { path, skip: false } : { path: null, skip: `../shared/data/${name} is not beside the repo` };
}

export function readSharedJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(sharedDataDir, name), 'utf8')) as T;
}
