/** An error answered with a fixed status and A1111-shaped body by the error handler. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    message?: string,
  ) {
    super(message ?? JSON.stringify(body))
  }
}

/** FastAPI `HTTPException` as A1111's middleware renders it. */
export function httpException(statusCode: number, detail: string): ApiError {
  return new ApiError(statusCode, { error: 'HTTPException', detail, body: '', errors: '' }, detail)
}

/** Any other Python exception: 500 with the class name and `str(exception)`. */
export function pythonException(errorClass: string, errors: string): ApiError {
  return new ApiError(500, { error: errorClass, detail: '', body: '', errors }, errors)
}

export interface PydanticIssue {
  loc: (string | number)[]
  msg: string
  type: string
}

/** FastAPI request validation failure (pydantic v1 format). */
export function validationError(issues: PydanticIssue[]): ApiError {
  return new ApiError(422, { detail: issues })
}
