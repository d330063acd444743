/** The repository root, whether the tests run from source or from dist/. */
export { packageRoot as repoRoot } from '../../src/core/paths.js';
