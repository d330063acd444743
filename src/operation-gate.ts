/**
 * Bounds how many GraphQL operations execute at once; the rest wait in a queue, first come first served.
 *
 * Every executing operation holds its rows, domain objects and result tree on the heap until its response is
 * sent. Without a bound, a burst of slow or large requests all execute interleaved: each takes longer, more of
 * their objects outlive the young generation, and the heap grows with the burst. A waiting request holds only
 * its parsed body. When the queue is full too, a request is refused at once (OVERLOADED, 503) rather than
 * held; a waiter whose caller gave up (the execution timeout) leaves the queue without ever running.
 */

import { Code } from './core/error-codes.js';

export class OverloadedError extends Error {
  readonly code = Code.OVERLOADED;
  constructor() {
    super('too many requests in progress: try again shortly');
    this.name = 'OverloadedError';
  }
}

export interface GateState {
  running: number;
  queued: number;
}

export class OperationGate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly maxRunning: number, readonly maxQueued: number) {
    if (!Number.isInteger(maxRunning) || maxRunning < 1) throw new RangeError('maxRunning must be a whole number of at least 1');
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be a whole number of at least 0');
  }

  get state(): GateState {
    return { running: this.running, queued: this.queue.length };
  }

  /**
   * Runs `work` once a slot is free. Rejects with OverloadedError when every slot is taken and the queue is
   * full, and with `signal`'s reason when it aborts while waiting (then `work` never runs).
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.enter(signal);
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private enter(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < this.maxRunning) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.queue.length >= this.maxQueued) return Promise.reject(new OverloadedError());
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener('abort', abandon);
        this.running += 1;
        resolve();
      };
      const abandon = () => {
        const at = this.queue.indexOf(admit);
        if (at !== -1) this.queue.splice(at, 1);
        reject(signal!.reason);
      };
      this.queue.push(admit);
      signal?.addEventListener('abort', abandon, { once: true });
    });
  }

  private leave(): void {
    this.running -= 1;
    // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
    this.queue.shift()?.();
  }
}
