/**
 * Drives one target with autocannon (library API): `connections` keep-alive connections, each sending its next
 * request as soon as the previous answer is in, every request with the next input of the workload's stream
 * (setupRequest) and every answer checked against its input (onResponse). Latencies are taken from
 * autocannon's per-response timings at full (sub-millisecond) precision rather than from its histogram, which
 * rounds to whole milliseconds.
 */
import autocannon from 'autocannon';
import type { Target } from './targets.js';
import { checkResponse, emptyCoverage, type Coverage, type Input, type InputStream } from './workloads.js';

export interface LoadOptions {
  target: Target;
  inputs: InputStream | InputStream[];
  tokens: string[];
  connections: number;
  seconds: number;
  /** Called every second with the latencies so far (the soak run samples memory with it). */
  onTick?: () => void;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Answers that were not HTTP 200 with the right data, and connection errors or timeouts. */
  invalid: number;
  errors: number;
  problems: string[];
  coverage: Coverage;
}

interface RequestContext {
  input?: Input;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { target, tokens } = options;
  const streams = Array.isArray(options.inputs) ? options.inputs : [options.inputs];
  const latencies: number[] = [];
  const problems: string[] = [];
  const coverage = emptyCoverage();
  let invalid = 0;
  let sent = 0;

  const requests = streams.map((stream): autocannon.Request => ({
    method: 'POST',
    setupRequest: (request, context) => {
      const input = stream.next();
      (context as RequestContext).input = input;
      const http = target.request(input, tokens[sent++ % tokens.length]!);
      return { ...request, path: http.path, body: http.body, headers: http.headers };
    },
    onResponse: (status, body, context) => {
      const input = (context as RequestContext).input;
      const problem = input ? checkResponse(input, status, body, coverage) : 'a response without its request';
      if (problem) {
        invalid += 1;
        if (problems.length < 5) problems.push(`${input?.workload ?? '?'}: ${problem}`);
      }
    },
  }));

  const started = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: target.origin,
      connections: options.connections,
      pipelining: 1,
      duration: options.seconds,
      timeout: 60,
      requests,
    }, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
    if (options.onTick) instance.on('tick', options.onTick);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, latencies.length);
  return {
    seconds,
    requests: latencies.length,
    requestsPerSecond: latencies.length / result.duration,
    latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, mean },
    invalid,
    errors: result.errors,
    problems,
    coverage,
  };
}

/** Sends the given inputs one by one and returns each raw answer (the comparison of targets). */
export async function fetchAnswers(target: Target, inputs: readonly Input[], token: string): Promise<{ status: number; body: string }[]> {
  const answers: { status: number; body: string }[] = [];
  for (const input of inputs) {
    const request = target.request(input, token);
    const response = await fetch(`${target.origin}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
    answers.push({ status: response.status, body: await response.text() });
  }
  return answers;
}

/**
 * A short warm-up of `requests` requests over `connections` concurrent senders, every answer checked — for
 * the smoke size, where autocannon's whole-second ticks would make a warm-up last a second at least.
 */
export async function warmUp(target: Target, stream: InputStream, tokens: string[], connections: number, requests: number): Promise<Pick<LoadResult, 'requests' | 'invalid' | 'errors' | 'problems'>> {
  let sent = 0;
  let invalid = 0;
  let errors = 0;
  const problems: string[] = [];
  const sender = async () => {
    while (sent < requests) {
      const input = stream.next();
      const request = target.request(input, tokens[sent++ % tokens.length]!);
      try {
        const response = await fetch(`${target.origin}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
        const problem = checkResponse(input, response.status, await response.text());
        if (problem) {
          invalid += 1;
          if (problems.length < 5) problems.push(`${input.workload}: ${problem}`);
        }
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, sender));
  return { requests: sent, invalid, errors, problems };
}
