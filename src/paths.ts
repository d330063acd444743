import { existsSync } from 'node:fs';
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
export const schemaDir = join(packageRoot, 'schema');
