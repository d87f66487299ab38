import { type ErrorCode, fail, SdflowError } from '@sdflow/protocol'

/** Where a failure happened: which backend, which route. */
export interface FailureSite {
  backend: string
  route: string
}

/** Codes worth another attempt (maybe elsewhere): the backend, not the input, was the problem. */
const retryable = new Set<ErrorCode>([
  'SDF_BACKEND_UNREACHABLE',
  'SDF_BACKEND_UNAVAILABLE',
  'SDF_BACKEND_TIMEOUT',
  'SDF_BACKEND_FROZEN',
  'SDF_BACKEND_OUT_OF_MEMORY',
])

/** Codes after which the backend is treated as down until a probe says otherwise. */
const downing = new Set<ErrorCode>([
  'SDF_BACKEND_UNREACHABLE',
  'SDF_BACKEND_UNAVAILABLE',
  'SDF_BACKEND_TIMEOUT',
  'SDF_BACKEND_FROZEN',
])

/**
 * True for transient (connection, 502/503/504, timeout, frozen), resource (OOM) and unexplained
 * internal (500, such as a CUDA error) failures; never for input errors or NaN results, which
 * would fail the same way again.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof SdflowError)) return false
  return retryable.has(error.code) || error.issue.details?.retryable === true
}

/** 500s that repeat whatever backend runs the job again: the input or the model is the cause. */
export const deterministic = /NansException|all NaNs/i

/** True when the failure says the backend itself is unhealthy (not just this request). */
export function marksBackendDown(error: unknown): boolean {
  // a RunPod job that hit its execution timeout says nothing about the endpoint's health
  return (
    error instanceof SdflowError &&
    downing.has(error.code) &&
    error.issue.details?.backendHealthy !== true
  )
}

/** 401/403: never retried; the message says which setting holds the credentials. */
export function keyRefused(site: FailureSite, status: number, said: string): SdflowError {
  return backendFail(
    'SDF_BACKEND_KEY_REFUSED',
    site,
    `answered ${status} (${said}); check the key: apiKey or apiKeyEnv for a runpod backend, auth or headers for an a1111 backend, in sdflow.config.json`,
    { details: { status, body: said } },
  )
}

export function backendFail(
  code: ErrorCode,
  site: FailureSite,
  message: string,
  extra: { cause?: unknown; details?: Record<string, unknown> } = {},
): SdflowError {
  return fail(code, `backend "${site.backend}" ${site.route}: ${message}`, {
    cause: extra.cause,
    details: { backend: site.backend, route: site.route, ...extra.details },
  })
}

export function unreachable(site: FailureSite, cause: unknown): SdflowError {
  const why = networkReason(cause)
  return backendFail(
    'SDF_BACKEND_UNREACHABLE',
    site,
    `connection failed (${why}); check that A1111 is running with --api at this URL`,
    { cause, details: { reason: why } },
  )
}

export function timedOut(site: FailureSite, ms: number, cause?: unknown): SdflowError {
  return backendFail(
    'SDF_BACKEND_TIMEOUT',
    site,
    `no answer within ${ms} ms; raise timeouts.requestMs if jobs this large are expected`,
    { cause, details: { timeoutMs: ms } },
  )
}

export function frozen(site: FailureSite, ms: number): SdflowError {
  return backendFail(
    'SDF_BACKEND_FROZEN',
    site,
    `progress did not move for ${ms} ms; the backend looks hung (raise timeouts.frozenMs if model loads take longer)`,
    { details: { frozenMs: ms } },
  )
}

export function badResponse(
  site: FailureSite,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): SdflowError {
  return backendFail(
    'SDF_BACKEND_BAD_RESPONSE',
    site,
    `${message}; is this URL really an A1111 API (not a proxy or login page)?`,
    { cause, details },
  )
}

/** The A1111 error body (a1111-api.md §4.1), parsed loosely. */
interface ErrorBody {
  error?: string
  detail?: unknown
  errors?: string
}

function parseErrorBody(text: string): ErrorBody {
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed !== null && typeof parsed === 'object' ? (parsed as ErrorBody) : {}
  } catch {
    return {}
  }
}

/** One line describing what A1111 said, short enough for a message. */
function summary(body: ErrorBody, text: string): string {
  const parts: string[] = []
  if (typeof body.error === 'string' && body.error) parts.push(body.error)
  if (typeof body.detail === 'string' && body.detail) parts.push(body.detail)
  if (Array.isArray(body.detail)) {
    for (const d of body.detail) {
      if (d && typeof d === 'object' && 'msg' in d) {
        const loc = Array.isArray(d.loc) ? (d.loc as unknown[]).join('.') : ''
        parts.push(loc ? `${loc}: ${String(d.msg)}` : String(d.msg))
      }
    }
  }
  if (typeof body.errors === 'string' && body.errors) parts.push(body.errors)
  const line = parts.length > 0 ? parts.join(': ') : text.trim()
  return line.length > 300 ? `${line.slice(0, 300)}...` : line || '(empty body)'
}

/** The request field a validation error or unknown-name message points at, when we can tell. */
function fieldOf(
  body: ErrorBody,
  said: string,
  request?: Record<string, unknown>,
): string | undefined {
  if (Array.isArray(body.detail)) {
    for (const d of body.detail) {
      if (d && typeof d === 'object' && Array.isArray(d.loc)) {
        const loc = (d.loc as unknown[]).filter((p) => p !== 'body').map(String)
        if (loc.length > 0) return loc.join('/')
      }
    }
  }
  const named = /named ([^\n]+?)\s*$|with name ([^\n]+?)\s*$|Script '([^']+)'/.exec(said)
  const name = named?.[1] ?? named?.[2] ?? named?.[3]
  if (name && request) {
    for (const [key, value] of Object.entries(request)) {
      if (value === name) return key
    }
    if (/Script '/.test(said)) {
      return request.script_name === name ? 'script_name' : 'alwayson_scripts'
    }
  }
  if (/bad sampler name/i.test(said)) return 'hr_sampler_name'
  if (/KeyError/.test(said) && request?.override_settings) return 'override_settings'
  if (/ControlNetUnit|ControlMode|ResizeMode|module\(/i.test(said)) return 'alwayson_scripts'
  if (/bad number of images/i.test(said)) return 'init_images'
  return undefined
}

export const unknownName =
  /could not find upscaler|could not find checkpoint|bad sampler name|not found in supported modules|Init image not found|Sampler not found|Model not found|Invalid encoded image|bad number of images|Module not (available|supported)|No image selected|Script '[^']+' not found/i

/** Classify a non-2xx answer. `request` (the JSON we sent) helps name the offending field. */
export function httpFailure(
  site: FailureSite,
  status: number,
  text: string,
  request?: Record<string, unknown>,
): SdflowError {
  const body = parseErrorBody(text)
  const said = summary(body, text)
  const details: Record<string, unknown> = { status, body: said }
  if (status === 502 || status === 503 || status === 504) {
    return backendFail(
      'SDF_BACKEND_UNAVAILABLE',
      site,
      `answered ${status} (${said}); it may be starting or overloaded, will retry`,
      { details },
    )
  }
  if (status === 401 || status === 403) return keyRefused(site, status, said)
  if (/OutOfMemoryError|out of memory/i.test(`${body.error ?? ''} ${said}`)) {
    return backendFail(
      'SDF_BACKEND_OUT_OF_MEMORY',
      site,
      `ran out of GPU memory (${said}); lower width/height/batch_size or use another backend`,
      { details },
    )
  }
  const field = fieldOf(body, said, request)
  if (field) details.field = field
  const isNotFoundRoute = status === 404 && body.detail === 'Not Found'
  if (isNotFoundRoute) {
    return backendFail(
      'SDF_BACKEND_ERROR',
      site,
      'route not found; start A1111 with --api (and install sd-webui-controlnet for /controlnet routes)',
      { details },
    )
  }
  if (
    status === 422 ||
    status === 400 ||
    (status === 404 && unknownName.test(said)) ||
    (status >= 500 && (unknownName.test(said) || body.error === 'ValidationError'))
  ) {
    const where = field ? ` in field "${field}"` : ''
    return backendFail(
      'SDF_BACKEND_REJECTED',
      site,
      `rejected the request${where}: ${said}; fix the value (check the name against the backend's lists)`,
      { details },
    )
  }
  if (status >= 500 && !deterministic.test(`${body.error ?? ''} ${said}`)) {
    details.retryable = true
  }
  return backendFail(
    'SDF_BACKEND_ERROR',
    site,
    `failed with ${status}: ${said}; see the A1111 console for the traceback`,
    { details },
  )
}

/** A short reason from undici's error chain: ECONNREFUSED, ECONNRESET, 'other side closed', ... */
export function networkReason(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current && typeof current === 'object') {
      const code = (current as { code?: unknown }).code
      if (typeof code === 'string' && code) return code
      const next = (current as { cause?: unknown }).cause
      if (!next) {
        const message = (current as { message?: unknown }).message
        return typeof message === 'string' ? message : 'unknown error'
      }
      current = next
    } else {
      return String(current)
    }
  }
  return 'unknown error'
}
