/**
 * Where a target's CPU went, from a `--profile` run's .cpuprofile (V8's sampling profiler): self time by
 * package (node_modules) or by samgraf folder, and the functions that took the most, as shares of the busy time
 * (idle left out). `node dist/bench/profile-summary.js FILE.cpuprofile [TOP]`.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a frame's code belongs to, samgraf's folder (src/access-log, sources/…), or V8's own work. */
export function bucketOf({ functionName, url }: CallFrame): string {
  if (url === '') return functionName.startsWith('(') ? functionName : `(native ${functionName})`;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1]!;
  const own = /dist\/(src|sources|bench)\/(?:(.+?)\/)?[^/]*\.js/.exec(url);
  if (own) return own[2] === undefined ? `${own[1]}/` : `${own[1]}/${own[2]}`;
  return url.startsWith('node:') ? url.replace(/^node:(internal\/)?([^/]+).*/, 'node:$2') : url;
}

export function summarise(profile: CpuProfile, top = 25): string {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byBucket = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    if (frame.functionName === '(idle)') return;
    const micros = profile.timeDeltas[i] ?? 0;
    busy += micros;
    const bucket = bucketOf(frame);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + micros);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*(node_modules|dist)\//, '')}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  });
  const lines = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, micros]) => `${(100 * micros / busy).toFixed(1).padStart(5)} %  ${name}`);
  return [`busy ${(busy / 1e6).toFixed(2)} s`, '', 'by package or folder:', ...lines(byBucket), '', 'by function:', ...lines(byFunction)].join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top === undefined ? undefined : Number(top)));
}
