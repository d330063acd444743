/** Transitional (issue 13, in progress): the generator still lives in src/seed/generate.ts until it is split per module. */
import type { SeedGenerator } from '../../src/core/source-module.js';

export const employmentServiceSeed: SeedGenerator = {
  columns: {},
  chunks: () => {
    throw new Error('employmentService: seed generator not split out yet');
  },
};
