/**
 * Rate limits per principal — per API key, per JWT subject — with rate-limiter-flexible: in memory by
 * default, in Redis when configured so that all replicas share one budget. If Redis fails, an in-memory
 * limiter takes over for the moment (the budget is then per replica) rather than refusing everyone.
 * Keys are hashes: a citizen's subject is a personal number and does not belong in Redis.
 */
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Principal } from '../core/principal.js';
import { Code, withHttpStatus } from '../core/error-codes.js';

export interface RateLimitConfig {
  /** Requests a principal may make per window. */
  points: number;
  durationSeconds: number;
  redisUrl?: string | undefined;
  keyPrefix: string;
}

export class RateLimitedError extends GraphQLError {
  constructor(retryAfterSeconds: number) {
    super(`too many requests: try again in ${retryAfterSeconds} s`, {
      extensions: withHttpStatus(Code.RATE_LIMITED, new Map([['retry-after', String(retryAfterSeconds)]])),
    });
  }
}

export class RequestRateLimiter {
  private readonly limiter: RateLimiterAbstract;
  private readonly redis: Redis | null;

  constructor(config: RateLimitConfig) {
    const memory = new RateLimiterMemory({ points: config.points, duration: config.durationSeconds, keyPrefix: config.keyPrefix });
    if (!config.redisUrl) {
      this.redis = null;
      this.limiter = memory;
      return;
    }
    this.redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    // ioredis reports connection errors as events; the insurance limiter answers meanwhile.
    this.redis.on('error', () => undefined);
    this.limiter = new RateLimiterRedis({
      storeClient: this.redis,
      points: config.points,
      duration: config.durationSeconds,
      keyPrefix: config.keyPrefix,
      insuranceLimiter: memory,
      rejectIfRedisNotReady: true,
    });
  }

  /** Spends one request of the principal's budget, or throws RATE_LIMITED (HTTP 429 with Retry-After). */
  async consume(principal: Principal): Promise<void> {
    try {
      await this.limiter.consume(keyOf(principal));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw rejection;
    }
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

function keyOf(principal: Principal): string {
  const identity = principal.apiKeyId !== null ? `key:${principal.apiKeyId}` : `jwt:${principal.issuer ?? ''}:${principal.subject}`;
  return createHash('sha256').update(identity).digest('base64url').slice(0, 32);
}
