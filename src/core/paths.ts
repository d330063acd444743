import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('samgraf: package.json not found');
    dir = parent;
  }
  return dir;
}

/** The installed package's root, the same whether code runs from dist/ or elsewhere. */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A module's SDL, read from the package (SDL files are not compiled into dist/). */
export function readSdl(pathInPackage: string): string {
  return readFileSync(join(packageRoot, pathInPackage), 'utf8');
}
