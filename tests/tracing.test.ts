/**
 * OpenTelemetry across a federation: one client request is one trace, spanning the gateway and every subgraph
 * it called (and their calls to the register of persons), joined through W3C `traceparent` over HTTP — here in
 * one process with an in-memory exporter, but every part still its own HTTP server. No span holds personal data.
 * Tracing is off unless the environment turns it on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { SOURCE_MODULES } from '../sources/registry.js';
import { GATEWAY_NAME } from '../src/federation/parts.js';
import { startTracing, tracingFromEnvironment, type Tracing } from '../src/telemetry.js';
import { startFederatedTestServer, type Federation } from './helpers/federation.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { createTestDatabases, type TestDatabases } from './helpers/mysql.js';
import type { TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';

const DATA_SET = { citizens: 200, seed: 'tracing-0' } as const;
const DATA = generateLegacyData(DATA_SET);
const PERSON = DATA.FB_PERSON.find((p) => p.SEKRETESS !== 'J' && p.SKYDDAD_FB !== 'J' && DATA.FK_BESLUT.some((b) => b.PNR.replace(/[-+]/, '') === p.PERSONID.slice(2)))!;
const PARTS = [GATEWAY_NAME, ...SOURCE_MODULES.map((module) => module.name)];
const storeKey = (part: string) => `store_${part.toLowerCase()}`;

describe('traces across a federation', { timeout: 300_000 }, () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let seeded: SeededSources;
  let stores: TestDatabases;
  let server: TestServer & { federation: Federation };

  before(async () => {
    tracing = startTracing({ serviceName: 'samgraf-test', exporter, immediate: true });
    seeded = await seededSources('mariadb', DATA_SET);
    stores = await createTestDatabases(PARTS.map(storeKey));
    server = await startFederatedTestServer(seeded.urls, Object.fromEntries(PARTS.map((part) => [part, stores.urls[storeKey(part)]!])));
  });
  after(async () => {
    await server?.close();
    await tracing?.shutdown();
    await Promise.all([seeded?.drop(), stores?.drop()]);
  });

  it('one request is one trace: the gateway\'s server span, a client span per subgraph call, each subgraph\'s server span under it', async () => {
    exporter.reset();
    const requestId = 'traced-request-1';
    const answer = await server.query('query T($p: String!) { citizen(personalNumber: $p) { givenNames benefits { id } cases { id } } }', { p: PERSON.PERSONID }, { 'x-request-id': requestId });
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const spans = exporter.getFinishedSpans();
    const gateway = spans.find((span) => span.kind === SpanKind.SERVER && span.attributes['samgraf.part'] === GATEWAY_NAME && span.attributes['samgraf.request_id'] === requestId);
    assert.ok(gateway, 'the gateway\'s server span');
    const traceId = gateway.spanContext().traceId;
    const inTrace = spans.filter((span) => span.spanContext().traceId === traceId);
    const servers = inTrace.filter((span) => span.kind === SpanKind.SERVER);
    const clients = inTrace.filter((span) => span.kind === SpanKind.CLIENT);
    // The gateway called the register, social insurance and the employment service; both of the latter asked
    // the register whom they may show.
    const partsServed = servers.map((span) => span.attributes['samgraf.part']).sort();
    assert.deepEqual(partsServed, [GATEWAY_NAME, 'employmentService', 'populationRegister', 'populationRegister', 'populationRegister', 'socialInsurance'].sort());
    for (const span of servers.filter((s) => s !== gateway)) {
      const parent = clients.find((client) => client.spanContext().spanId === span.parentSpanContext?.spanId);
      assert.ok(parent, `${String(span.attributes['samgraf.part'])}'s server span has a client span as its parent`);
      assert.equal(parent.attributes['samgraf.part'], span.attributes['samgraf.part']);
      assert.equal(span.attributes['samgraf.request_id'], requestId, 'every part saw the client\'s request id');
    }
    assert.equal(gateway.name, 'POST /graphql');
    // No personal number, in any form, in any span's name or attributes.
    const text = JSON.stringify(inTrace.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })));
    for (const form of [PERSON.PERSONID, PERSON.PERSONID.slice(2)]) assert.ok(!text.includes(form), 'no personal number in a span');
  });

  it('is off unless the environment asks for it', () => {
    assert.equal(tracingFromEnvironment({}, 'samgraf'), null);
    assert.equal(tracingFromEnvironment({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'samgraf'), null);
    assert.equal(tracingFromEnvironment({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, 'samgraf'), null);
  });
});
