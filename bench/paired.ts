/**
 * samgraf's CPU per request against the floor's, measured side by side: the same inputs, one request at a time,
 * sent alternately to each, so that both see the machine at the same moments. On a shared VM the machine's
 * speed drifts by tens of percent within seconds, and separate timed runs (one target after the other) carry
 * that drift into their ratio; alternating requests cancels it. Concurrency 1 only: the question is what one
 * request costs, not how a target behaves under load (the timed runs answer that).
 */
import { startCpuWindow } from './machine-load.js';
import type { Target } from './targets.js';
import { checkResponse, type InputStream } from './workloads.js';

export interface Paired {
  workload: string;
  /** Requests measured per target (after as many tenths of warm-up). */
  requests: number;
  samgrafMsPerRequest: number;
  floorMsPerRequest: number;
  /** samgraf's CPU per request ÷ the floor's. */
  ratio: number;
  /** Answers that were not HTTP 200 with the right data, per target. */
  invalid: { samgraf: number; floor: number };
}

async function send(target: Target, input: ReturnType<InputStream['next']>, token: string): Promise<boolean> {
  const http = target.request(input, token);
  const response = await fetch(`${target.origin}${http.path}`, { method: 'POST', headers: http.headers, body: http.body });
  return checkResponse(input, response.status, await response.text()) === null;
}

/**
 * Sends `requests` inputs to each target, alternately, and reads each one's CPU time from /proc around them, after
 * `warmup` pairs unmeasured (a tenth by default; more where one target has just started and its code is cold).
 */
export async function pairedRun(workload: string, samgraf: Target, floor: Target, inputs: InputStream, tokens: readonly string[], requests: number, warmup = Math.ceil(requests / 10)): Promise<Paired> {
  const invalid = { samgraf: 0, floor: 0 };
  const alternate = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const input = inputs.next();
      const token = tokens[i % tokens.length]!;
      if (!(await send(samgraf, input, token))) invalid.samgraf += 1;
      if (!(await send(floor, input, token))) invalid.floor += 1;
    }
  };
  await alternate(warmup);
  const samgrafCpu = startCpuWindow(samgraf.pid, []);
  const floorCpu = startCpuWindow(floor.pid, []);
  await alternate(requests);
  const samgrafMsPerRequest = (samgrafCpu().targetSeconds * 1000) / requests;
  const floorMsPerRequest = (floorCpu().targetSeconds * 1000) / requests;
  return { workload, requests, samgrafMsPerRequest, floorMsPerRequest, ratio: samgrafMsPerRequest / floorMsPerRequest, invalid };
}
