/** samgraf's version as package.json declares it: in the start line and in /metrics (`samgraf_build_info`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './core/paths.js';

export const SAMGRAF_VERSION = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
