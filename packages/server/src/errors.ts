import {
  type ErrorCode,
  ErrorCodes,
  fail,
  type Issue,
  isErrorCode,
  issue,
  SdflowError,
} from '@sdflow/protocol'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** The body of every error answer. */
export interface ErrorBody {
  statusCode: number
  code: ErrorCode
  message: string
  issues: Issue[]
}

/** An error carrying several issues (an invalid workflow): the first error names the code. */
export class IssuesError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: Issue[],
  ) {
    super(message)
  }
}

export function errorBody(code: ErrorCode, message: string, issues: Issue[]): ErrorBody {
  return { statusCode: ErrorCodes[code].status, code, message, issues }
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'SDF_SERVER_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SDF_SERVER_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SDF_SERVER_REQUEST_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SDF_SERVER_REQUEST_INVALID',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SDF_SERVER_REQUEST_INVALID',
  FST_ERR_NOT_FOUND: 'SDF_SERVER_NOT_FOUND',
  FST_ERR_BAD_URL: 'SDF_SERVER_REQUEST_INVALID',
}

interface AjvLikeError {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

/** Map any thrown value to the one error body. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof IssuesError) return errorBody(error.code, error.message, error.issues)
  if (error instanceof SdflowError) return errorBody(error.code, error.message, [error.issue])
  const fe = error as Partial<FastifyError> & { validation?: AjvLikeError[] }
  if (Array.isArray(fe.validation)) {
    const context = fe.validationContext ?? 'body'
    const issues = fe.validation.map((v) => validationIssue(context, v))
    const message = issues.map((i) => `${i.pointer || '/'} ${i.message}`).join('; ')
    return errorBody('SDF_SERVER_REQUEST_INVALID', message, issues)
  }
  if (typeof fe.code === 'string') {
    const code = fastifyCodes[fe.code]
    if (code) return errorBody(code, fe.message ?? code, [issue(code, '', fe.message ?? code)])
    if (isErrorCode(fe.code)) {
      return errorBody(fe.code, fe.message ?? fe.code, [issue(fe.code, '', fe.message ?? '')])
    }
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode === 413) {
    const msg = fe.message ?? 'body too large'
    return errorBody('SDF_SERVER_BODY_TOO_LARGE', msg, [
      issue('SDF_SERVER_BODY_TOO_LARGE', '', msg),
    ])
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const msg = fe.message ?? 'bad request'
    return errorBody('SDF_SERVER_REQUEST_INVALID', msg, [
      issue('SDF_SERVER_REQUEST_INVALID', '', msg),
    ])
  }
  const msg = 'internal server error'
  return errorBody('SDF_INTERNAL_ERROR', msg, [issue('SDF_INTERNAL_ERROR', '', msg)])
}

function validationIssue(context: string, v: AjvLikeError): Issue {
  let at = `/${context}${v.instancePath ?? ''}`
  const missing = v.params?.missingProperty
  if (v.keyword === 'required' && typeof missing === 'string') at += `/${missing}`
  const extra = v.params?.additionalProperty
  if (v.keyword === 'additionalProperties' && typeof extra === 'string') at += `/${extra}`
  return issue('SDF_SERVER_REQUEST_INVALID', at, v.message ?? 'is invalid', {
    details: { keyword: v.keyword, ...(v.params ?? {}) },
  })
}

export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const body = toErrorBody(error)
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body)
}

/** The one error handler and the not-found answer. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request: FastifyRequest, reply) => {
    const body = toErrorBody(error)
    if (body.statusCode >= 500) request.log.error({ err: error }, body.message)
    else request.log.info({ code: body.code }, body.message)
    return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body)
  })
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      fail('SDF_SERVER_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  )
}
