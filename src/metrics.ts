/**
 * Prometheus metrics (prom-client), served at GET /metrics. Labels are drawn from closed sets — root field
 * names of the schema, source names, error codes, HTTP statuses — never from client input, so no personal
 * data (and no unbounded cardinality) can reach them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CircuitState, SourceName, SourceObserver } from './core/source.js';
import type { GateState } from './operation-gate.js';
import type { Principal } from './core/principal.js';
import { SAMGRAF_VERSION } from './version.js';

const CIRCUIT_VALUES: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class Metrics implements SourceObserver {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'samgraf_graphql_requests_total', help: 'GraphQL operations by root fields and outcome', labelNames: ['operation', 'outcome'], registers: [this.registry] });
  private readonly requestSeconds = new Histogram({ name: 'samgraf_graphql_request_duration_seconds', help: 'GraphQL operation latency', labelNames: ['operation'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  private readonly responses = new Counter({ name: 'samgraf_http_responses_total', help: 'HTTP responses by path and status', labelNames: ['path', 'status'], registers: [this.registry] });
  private readonly statements = new Counter({ name: 'samgraf_source_statements_total', help: 'SQL statements per source', labelNames: ['source', 'result'], registers: [this.registry] });
  private readonly statementSeconds = new Histogram({ name: 'samgraf_source_statement_duration_seconds', help: 'SQL statement latency per source', labelNames: ['source'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [this.registry] });
  private readonly circuitState = new Gauge({ name: 'samgraf_source_circuit_state', help: 'Circuit breaker per source: 0 closed, 1 half-open, 2 open', labelNames: ['source'], registers: [this.registry] });
  private readonly denials = new Counter({ name: 'samgraf_denials_total', help: 'Refusals by reason (error code)', labelNames: ['reason'], registers: [this.registry] });
  private readonly auditCommitSeconds = new Histogram({ name: 'samgraf_access_log_commit_duration_seconds', help: 'Access-log group commit latency', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [this.registry] });
  private readonly auditEvents = new Counter({ name: 'samgraf_access_log_events_total', help: 'Access-log events committed', registers: [this.registry] });
  private readonly dataQuality = new Counter({ name: 'samgraf_data_quality_findings_total', help: 'Legacy rows or values that could not be mapped, by source, table and column', labelNames: ['source', 'table', 'column'], registers: [this.registry] });
  private readonly auditFailures = new Counter({ name: 'samgraf_access_log_commit_failures_total', help: 'Access-log commits that failed (responses withheld)', registers: [this.registry] });

  private readonly treeSize = new Gauge({ name: 'samgraf_access_log_tree_size', help: 'Leaves in the access log\'s Merkle tree, as of this process\'s last sequencing round', registers: [this.registry] });
  private readonly sequencingFailures = new Counter({ name: 'samgraf_access_log_sequencing_failures_total', help: 'Sequencing rounds of the access log\'s tree that failed (retried at the next)', registers: [this.registry] });

  private readonly clientRequests = new Counter({ name: 'samgraf_client_requests_total', help: 'GraphQL operations per registered client (an API key id, or a JWT client named in config clients; "none" for any other caller) and outcome (ok, partial, error, refused)', labelNames: ['client', 'outcome'], registers: [this.registry] });

  private readonly lifeEventsPublished = new Counter({ name: 'samgraf_life_events_published_total', help: 'Life events captured from the sources and published to the bus', registers: [this.registry] });
  private readonly lifeEventDeliveries = new Counter({ name: 'samgraf_life_event_deliveries_total', help: 'Webhook deliveries of life events by result (delivered, withheld, retried, dead-lettered)', labelNames: ['result'], registers: [this.registry] });

  eventsPublished(events: number): void {
    this.lifeEventsPublished.inc(events);
  }

  eventDelivery(result: 'delivered' | 'withheld' | 'retried' | 'dead-lettered'): void {
    this.lifeEventDeliveries.inc({ result });
  }

  treeSequenced(size: number, failed: boolean): void {
    if (failed) this.sequencingFailures.inc();
    else this.treeSize.set(size);
  }

  /** For each expected witness: how long the newest checkpoint has lacked its cosignature, and whether past the timeout. */
  observeWitnesses(lag: () => Promise<{ witness: string; lagSeconds: number; overdue: boolean }[]>): void {
    new Gauge({
      name: 'samgraf_access_log_witness_lag_seconds',
      help: 'How long checkpoints have lacked the witness\'s cosignature (0 when it cosigned the newest)',
      labelNames: ['witness'],
      registers: [this.registry],
      async collect() {
        for (const w of await lag().catch(() => [])) this.set({ witness: w.witness }, w.lagSeconds);
      },
    });
    new Gauge({
      name: 'samgraf_access_log_witness_overdue',
      help: 'Whether the witness\'s cosignature has been missing longer than accessLog.witnessTimeoutSeconds (1) or not (0)',
      labelNames: ['witness'],
      registers: [this.registry],
      async collect() {
        for (const w of await lag().catch(() => [])) this.set({ witness: w.witness }, w.overdue ? 1 : 0);
      },
    });
  }

  /** Operations executing and waiting (see OperationGate), read when /metrics is scraped. */
  observeGate(state: () => GateState): void {
    new Gauge({ name: 'samgraf_graphql_operations_running', help: 'GraphQL operations executing now', registers: [this.registry], collect() { this.set(state().running); } });
    new Gauge({ name: 'samgraf_graphql_operations_queued', help: 'GraphQL operations waiting for a free slot', registers: [this.registry], collect() { this.set(state().queued); } });
  }

  constructor(sources: readonly SourceName[]) {
    collectDefaultMetrics({ register: this.registry, prefix: 'samgraf_' });
    new Gauge({ name: 'samgraf_build_info', help: 'samgraf and Node versions of this process; always 1', labelNames: ['version', 'node'], registers: [this.registry] })
      .set({ version: SAMGRAF_VERSION, node: process.version }, 1);
    for (const source of sources) this.circuitState.set({ source }, 0);
  }

  request(operation: string, outcome: string, seconds: number): void {
    this.requests.inc({ operation, outcome });
    this.requestSeconds.observe({ operation }, seconds);
  }

  /**
   * One operation of a caller. Client ids are a closed set — API keys the operator created, clients config names —
   * and never personal data; any other caller counts as `none`.
   */
  clientRequest(principal: Principal | null, outcome: 'ok' | 'partial' | 'error' | 'refused'): void {
    this.clientRequests.inc({ client: principal?.client?.id ?? 'none', outcome });
  }

  response(path: string, status: number): void {
    this.responses.inc({ path, status: String(status) });
  }

  denied(reason: string): void {
    this.denials.inc({ reason });
  }

  statement(source: SourceName, seconds: number, failed: boolean): void {
    this.statements.inc({ source, result: failed ? 'error' : 'ok' });
    this.statementSeconds.observe({ source }, seconds);
  }

  circuit(source: SourceName, state: CircuitState): void {
    this.circuitState.set({ source }, CIRCUIT_VALUES[state]);
  }

  /** Source, table and column names come from the connectors' code, never from the data. */
  dataQualityFinding(source: string, table: string, column: string, count = 1): void {
    this.dataQuality.inc({ source, table, column }, count);
  }

  auditCommit(seconds: number, events: number, failed: boolean): void {
    if (failed) {
      this.auditFailures.inc();
      return;
    }
    this.auditCommitSeconds.observe(seconds);
    this.auditEvents.inc(events);
  }
}
