/**
 * Operational logs: structured JSON (pino) on stderr, so that stdout stays for what a command prints.
 * Nothing personal is ever passed to a logger; the redaction below is a second line of defence for
 * headers that carry credentials.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream | string } = {}): Logger {
  const destination = typeof options.destination === 'string' ? pino.destination({ dest: options.destination, append: true, sync: true })
    // Written on the calling thread, as Node writes its own stderr: pino's default hands every line to libuv's
    // thread pool, which cost a thread hand-off, an eventfd wake-up and their futexes per request, several
    // times the write itself.
    : options.destination ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      name: 'samgraf',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      // ISO 8601 in UTC rather than epoch milliseconds: readable as it is, and sortable.
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.authorization', '*["x-api-key"]'], censor: '[redacted]' },
    },
    destination,
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
