import type { Issue } from '@sdflow/protocol'

/** A1111's error answers (a1111-api.md §4.1), so its clients read our failures as its own. */
export interface A1111Error {
  status: number
  body: unknown
}

/** A FastAPI `HTTPException`: `{error: "HTTPException", detail, body: "", errors: ""}`. */
export function httpException(status: number, detail: string): A1111Error {
  return { status, body: { error: 'HTTPException', detail, body: '', errors: '' } }
}

/** Any other exception: 500 with its class name and its text in `errors`. */
export function exception(errorClass: string, errors: string, status = 500): A1111Error {
  return { status, body: { error: errorClass, detail: '', body: '', errors } }
}

/** pydantic v1's item in a 422 `detail` list. */
export interface PydanticIssue {
  loc: (string | number)[]
  msg: string
  type: string
  ctx?: Record<string, unknown>
}

export function validationFailed(detail: PydanticIssue[]): A1111Error {
  return { status: 422, body: { detail } }
}

export class A1111Failure extends Error {
  constructor(readonly answer: A1111Error) {
    super(JSON.stringify(answer.body))
  }
}

/**
 * A node's failure as A1111 would have answered: the backend's own status when it gave one
 * (an OOM stays a 500 OutOfMemoryError), else a 500 naming what went wrong. Our message goes in
 * the text; no URL or secret is in an Issue's message.
 */
export function fromIssue(problem: Issue): A1111Error {
  const details = problem.details ?? {}
  const status = typeof details.status === 'number' && details.status >= 400 ? details.status : 500
  const said = typeof details.body === 'string' ? details.body : problem.message
  switch (problem.code) {
    case 'SDF_BACKEND_OUT_OF_MEMORY':
      return exception('OutOfMemoryError', said, status)
    case 'SDF_BACKEND_NONE_AVAILABLE':
      return httpException(503, problem.message)
    case 'SDF_BACKEND_REJECTED':
      return httpException(status, said)
    default:
      if (problem.code.startsWith('SDF_BACKEND_')) return exception('RuntimeError', said, status)
      // our own validation of the request (a name no backend has, a value out of range)
      return httpException(problem.code.startsWith('SDF_PARAM_') ? 422 : 500, problem.message)
  }
}
