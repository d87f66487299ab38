import { SdflowError } from '@sdflow/protocol'
import type { FastifyError, FastifyInstance } from 'fastify'
import { IssuesError } from '../errors.js'
import {
  A1111Failure,
  exception,
  fromIssue,
  httpException,
  validationFailed,
} from './a1111-errors.js'
import { pydanticIssues } from './pydantic-issues.js'

/** The A1111 face's own error answers: FastAPI's 422s and A1111's `{error, detail, ...}`. */
export function installA1111Errors(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const answer = toA1111Error(error)
    if (answer.status >= 500) request.log.error({ err: error }, 'A1111 face call failed')
    return reply.code(answer.status).type('application/json').send(answer.body)
  })
}

function toA1111Error(error: unknown) {
  if (error instanceof A1111Failure) return error.answer
  if (error instanceof IssuesError) {
    const errors = error.issues.filter((i) => i.severity !== 'warning')
    const lines = errors.map((i) => `${i.pointer} ${i.message}`).join('; ')
    return httpException(422, `sdflow cannot run this request: ${lines || error.message}`)
  }
  if (error instanceof SdflowError) return fromIssue(error.issue)
  const fe = error as Partial<FastifyError> & { validation?: unknown[] }
  if (Array.isArray(fe.validation)) return validationFailed(pydanticIssues(fe.validation))
  switch (fe.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return validationFailed([
        { loc: ['body'], msg: 'field required', type: 'value_error.missing' },
      ])
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return validationFailed([
        { loc: ['body', 0], msg: 'Expecting value', type: 'value_error.jsondecode' },
      ])
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return httpException(413, 'Request body too large')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return httpException(415, 'Unsupported media type: send application/json')
    default:
      break
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return httpException(fe.statusCode, fe.message ?? 'bad request')
  }
  return exception(fe.name ?? 'Exception', 'internal server error')
}
