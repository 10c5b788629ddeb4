import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs on stdout (or `destination`). Nothing logs headers, query strings or bodies, so
 * tokens and API keys never reach a log line; the redaction below is a second fence for any
 * object that carries one by mistake.
 */
export function createLogger(
  level: pino.LevelWithSilent = 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'peer-mentor-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'authorization',
        'apikey',
        'token',
        'headers.authorization',
        'headers.apikey',
        '*.authorization',
        '*.apikey',
        '*.token',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
