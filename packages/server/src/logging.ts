import type { FastifyServerOptions } from 'fastify'

type LoggerOption = FastifyServerOptions['logger']

const REDACTED = '[redacted]'

/** A URL with the value of every `token` query parameter replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token)=)[^&#]*/gi, `$1${REDACTED}`)
}

interface LoggedRequest {
  method: string
  url: string
  hostname?: string
  ip?: string
  socket?: { remotePort?: number }
}

/**
 * Fastify's logger with secrets kept out: request URLs lose their `?token=` values (the
 * WebSocket's), and credential headers are redacted wherever a serializer would print them.
 */
export function redactingLogger(logger: LoggerOption): LoggerOption {
  if (!logger) return logger
  const base = logger === true ? {} : logger
  return {
    ...base,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: REDACTED,
    },
    serializers: {
      ...base.serializers,
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.hostname,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  }
}
