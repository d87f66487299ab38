import type { SdflowError } from '@sdflow/protocol'
import { backendFail, deterministic, type FailureSite, httpFailure } from '../errors.js'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** RunPod's `error`: a string, a list, or (a handler exception) JSON with `error_message`. */
export function errorText(error: unknown): string {
  if (typeof error === 'string') {
    try {
      const parsed: unknown = JSON.parse(error)
      if (isObject(parsed) && typeof parsed.error_message === 'string') {
        const type = typeof parsed.error_type === 'string' ? `${parsed.error_type}: ` : ''
        return `${type}${parsed.error_message}`
      }
    } catch {
      // plain text
    }
    return error
  }
  if (Array.isArray(error)) return error.map(String).join('; ')
  if (error === undefined || error === null) return '(no error text)'
  return JSON.stringify(error)
}

/** runpod's input validator (rp_validator), used by the a1111-proxy worker. */
const refusedInput =
  /^(?:Unexpected input\. )?(\w+) (?:is not a valid input option|should be \w+ type|is a required input|does not meet the constraints)/m

/** An A1111 422 body (`{"detail": [...]}`), which worker-a1111 hands back as COMPLETED output. */
export function isValidationBody(output: unknown): output is { detail: unknown[] } {
  return isObject(output) && Array.isArray(output.detail)
}

export function rejectedOutput(
  site: FailureSite,
  output: unknown,
  request: Record<string, unknown>,
): SdflowError {
  return httpFailure(site, 422, JSON.stringify(output), request)
}

/**
 * A FAILED job on the existing codes (docs/reliability.md): out of memory (retried); a refused
 * input or unknown name (not retried); anything else SDF_BACKEND_ERROR with RunPod's text,
 * retried unless it is a NaN result, which would fail the same way again.
 */
export function jobFailure(
  site: FailureSite,
  job: { error?: unknown; output?: unknown },
  request: Record<string, unknown>,
): SdflowError {
  const text = errorText(job.error)
  const output = job.output
  const said = isObject(output) && typeof output.errors === 'string' ? output.errors : ''
  if (/OutOfMemoryError|out of memory/i.test(`${text} ${said}`)) {
    return backendFail(
      'SDF_BACKEND_OUT_OF_MEMORY',
      site,
      `the job ran out of GPU memory on RunPod (${text}); lower width/height/batch_size or use another backend`,
      { details: { status: 'FAILED', error: text } },
    )
  }
  if (isValidationBody(output)) return rejectedOutput(site, output, request)
  const refused = refusedInput.exec(text)
  if (refused) {
    return backendFail(
      'SDF_BACKEND_REJECTED',
      site,
      `the worker refused the request in field "${refused[1]}": ${text}; this worker checks its payload strictly`,
      { details: { status: 'FAILED', error: text, field: refused[1] } },
    )
  }
  if (isObject(output) && ('detail' in output || 'errors' in output)) {
    // A1111's own error body, its status lost on the way: unknown names are refusals, NaN
    // results final, anything else an internal error worth another try
    return httpFailure(site, 500, JSON.stringify({ error: text, ...output }), request)
  }
  return backendFail('SDF_BACKEND_ERROR', site, `the job failed on RunPod: ${text}`, {
    details: { status: 'FAILED', error: text, retryable: !deterministic.test(text) },
  })
}

export function jobTimedOut(site: FailureSite): SdflowError {
  return backendFail(
    'SDF_BACKEND_TIMEOUT',
    site,
    "RunPod ended the job as TIMED_OUT (the endpoint's execution timeout); raise it or lower the job's size",
    { details: { status: 'TIMED_OUT', backendHealthy: true } },
  )
}

export function jobCancelledThere(site: FailureSite): SdflowError {
  return backendFail(
    'SDF_BACKEND_ERROR',
    site,
    'RunPod cancelled the job (someone cancelled it or purged the queue); will retry',
    { details: { status: 'CANCELLED', retryable: true } },
  )
}
