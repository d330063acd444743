/**
 * Traces (OpenTelemetry): one trace per client request, across the gateway and every subgraph it calls. Off
 * unless the standard environment turns them on — `OTEL_TRACES_EXPORTER=otlp`, or an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true` keeps them off;
 * the exporter reads the other `OTEL_EXPORTER_OTLP_*` variables itself, `OTEL_SERVICE_NAME` names the service.
 *
 * Spans hold no personal data: a server span per HTTP request (the route, the status, the request id, the
 * part), a client span per call to another part (the part called). Never a document, a variable, a header's
 * value or an answer. W3C `traceparent` carries the trace from part to part.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { IncomingHttpHeaders } from 'node:http';

const TRACER = 'samgraf';

let enabled = false;

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider for this process. `immediate`: export each span when it ends (tests, with an
 * in-memory exporter); otherwise in batches.
 */
export function startTracing(options: { serviceName: string; exporter: SpanExporter; immediate?: boolean }): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [options.immediate ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(options.exporter)],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  enabled = true;
  return {
    async shutdown() {
      enabled = false;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Tracing as the environment asks for it, or null when it does not. */
export function tracingFromEnvironment(env: NodeJS.ProcessEnv, serviceName: string): Tracing | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim());
  const wanted = exporters.includes('otlp') || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) || Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (!wanted || exporters.includes('none')) return null;
  return startTracing({ serviceName: env.OTEL_SERVICE_NAME ?? serviceName, exporter: new OTLPTraceExporter() });
}

/**
 * Runs `handle` within a server span for one HTTP request, continuing the caller's trace when its headers carry
 * one. Without tracing it only runs `handle`.
 */
export function inServerSpan<T>(name: string, headers: IncomingHttpHeaders, attributes: Record<string, string>, handle: (span: Span | null) => Promise<T>): Promise<T> {
  if (!enabled) return handle(null);
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = trace.getTracer(TRACER).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return context.with(trace.setSpan(parent, span), () => handle(span));
}

/** Ends a server span with the response's status. */
export function endServerSpan(span: Span | null, status: number, attributes: Record<string, string> = {}): void {
  if (span === null) return;
  span.setAttributes({ 'http.response.status_code': status, ...attributes });
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * Runs a call to another part within a client span, and puts the trace into its headers (`traceparent`,
 * `tracestate`). Without tracing the headers are left as they are.
 */
export async function inClientSpan<T>(part: string, headers: Record<string, string>, call: () => Promise<T & { status?: number }>): Promise<T> {
  if (!enabled) return call();
  const span = trace.getTracer(TRACER).startSpan(`POST ${part}`, { kind: SpanKind.CLIENT, attributes: { 'samgraf.part': part } });
  const active: Context = trace.setSpan(context.active(), span);
  propagation.inject(active, headers);
  try {
    const result = await context.with(active, call);
    if (typeof result.status === 'number') span.setAttribute('http.response.status_code', result.status);
    return result;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
