/**
 * Rows a connector could not map are left out of the answer, never silently: the response says how many and
 * why (`extensions.dataQuality`), and the operational log records each finding by source, table and column.
 * Neither holds personal data — at most a decision or case id.
 *
 * A caller restricted to some persons (a municipality, a citizen) gets no `extensions.dataQuality`: a row is
 * mapped before anyone knows whose it is, so a finding about a record out of their sight would tell them the
 * record exists. Their findings are logged and counted all the same.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { DataQualityFinding } from '../core/source.js';
import { isRowRestricted } from '../core/visibility.js';
import type { RequestContext } from '../context.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export interface DataQualitySummary {
  source: string;
  table: string;
  column: string;
  problem: string;
  count: number;
}

export function summarise(findings: readonly DataQualityFinding[]): DataQualitySummary[] {
  const byKind = new Map<string, DataQualitySummary>();
  for (const { source, table, column, problem } of findings) {
    const key = [source, table, column, problem].join('\u0000');
    const summary = byKind.get(key) ?? { source, table, column, problem, count: 0 };
    summary.count += 1;
    byKind.set(key, summary);
  }
  return [...byKind.values()];
}

export function dataQualityPlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const findings = contextValue.dataQuality.findings;
          if (findings.length === 0 || response.body.kind !== 'single') return;
          for (const finding of findings) {
            logger.warn({ requestId: contextValue.requestId, dataQuality: finding }, 'legacy row could not be mapped');
            metrics.dataQualityFinding(finding.source, finding.table, finding.column);
          }
          if (contextValue.principal !== null && isRowRestricted(contextValue.principal)) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, dataQuality: summarise(findings) };
        },
      };
    },
  };
}
