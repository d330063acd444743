/**
 * Whether something else used the machine's CPUs during a run: the CPU time the whole machine spent busy
 * (/proc/stat) minus what the benchmark's own processes spent (the harness, the target processes and
 * mariadbd, from /proc/<pid>/stat). On a machine shared with other work the figures are not comparable; the
 * harness marks such runs instead of silently publishing them.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function machineBusyTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: busy = all − idle − iowait
  const total = cpu.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return total - cpu[3]! - cpu[4]!;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The MariaDB server's pid, if it runs on this machine and is visible. */
export function findMariadbPid(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (name === 'mariadbd' || name === 'mysqld') return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

export interface CpuUse {
  /** CPU used by other processes during the window, in cores (1.0 = one core fully busy). */
  otherCores: number;
  /** Cores used by the benchmark's processes (harness, targets, MariaDB). */
  ownCores: number;
  /** Cores used by the target under load alone. */
  targetCores: number;
  /** CPU seconds the target used. */
  targetSeconds: number;
}

/** Starts measuring; `target` is the process under load, `others` the rest of the benchmark's processes. */
export function startCpuWindow(target: number | readonly number[], others: readonly number[]): () => CpuUse {
  const targets = typeof target === 'number' ? [target] : target;
  const ours = [...new Set([process.pid, ...targets, ...others])];
  const own = () => ours.reduce((sum, pid) => sum + processTicks(pid), 0);
  const targetTicksNow = () => targets.reduce((sum, pid) => sum + processTicks(pid), 0);
  const started = { at: process.hrtime.bigint(), machine: machineBusyTicks(), own: own(), target: targetTicksNow() };
  return () => {
    const seconds = Number(process.hrtime.bigint() - started.at) / 1e9;
    const machine = machineBusyTicks() - started.machine;
    const own2 = own() - started.own;
    const targetTicks = targetTicksNow() - started.target;
    return {
      otherCores: Math.max(0, machine - own2) / TICKS_PER_SECOND / seconds,
      ownCores: own2 / TICKS_PER_SECOND / seconds,
      targetCores: targetTicks / TICKS_PER_SECOND / seconds,
      targetSeconds: targetTicks / TICKS_PER_SECOND,
    };
  };
}
