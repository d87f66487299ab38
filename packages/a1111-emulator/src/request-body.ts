import type { FastifyInstance } from 'fastify'
import { type ApiError, validationError } from './api-error.js'

/**
 * A body that FastAPI would refuse, but only on a route that reads one: A1111's routes without
 * a body model (`/interrupt`, `/skip`, `/refresh-*`, ...) never look at it, so the refusal waits
 * until a route asks for the body.
 */
export class RefusedBody {
  constructor(readonly error: ApiError) {}
}

/** The 422 of a body that was refused when it arrived, or nothing. */
export function refusal(body: unknown): ApiError | undefined {
  return body instanceof RefusedBody ? body.error : undefined
}

/**
 * FastAPI 0.94 (A1111 v1.10.1's pin, `fastapi/routing.py` get_request_handler) reads a body as
 * JSON when there is no Content-Type or when it is `application/json` or `application/*+json`;
 * any other type (a form, text) reaches the model as raw bytes, which fails with 422 "value is
 * not a valid dict". An empty body is no body. Nothing answers 415.
 */
export function installBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text === '') return done(null, undefined)
    const type = request.headers['content-type']
    if (type !== undefined && !isJsonType(type)) return done(null, text)
    try {
      done(null, JSON.parse(text))
    } catch (err) {
      const msg = err instanceof Error ? err.message : 'Expecting value'
      const refused = validationError([{ loc: ['body', 0], msg, type: 'value_error.jsondecode' }])
      done(null, new RefusedBody(refused))
    }
  })
}

function isJsonType(header: string): boolean {
  const mime = header.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  if (!mime.startsWith('application/')) return false
  const subtype = mime.slice('application/'.length)
  return subtype === 'json' || subtype.endsWith('+json')
}
