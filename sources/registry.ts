/**
 * The registry: every source samgraf serves, in schema order. Adding a source is one folder in `sources/` and
 * one line here; nothing else in samgraf names a source.
 */
import type { SourceModule } from '../src/core/source-module.js';
import { employmentService } from './employment-service/index.js';
import { incomeRegister } from './income-register/index.js';
import { populationRegister } from './population-register/index.js';
import { socialInsurance } from './social-insurance/index.js';

export const SOURCE_MODULES: readonly SourceModule[] = [
  populationRegister as SourceModule,
  socialInsurance as SourceModule,
  employmentService as SourceModule,
  incomeRegister as SourceModule,
];
