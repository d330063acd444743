/**
 * Operational logs: structured JSON (pino) on stderr, so that stdout stays for what a command prints.
 * Nothing personal is ever passed to a logger; the redaction below is a second line of defence for
 * headers that carry credentials.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string } = {}): Logger {
  return pino(
    {
      name: 'samgraf',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.authorization', '*["x-api-key"]'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
