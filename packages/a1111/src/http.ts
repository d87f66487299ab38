import { badResponse, type FailureSite, httpFailure, timedOut, unreachable } from './errors.js'

/** Where and how to reach one backend. */
export interface HttpTarget {
  id: string
  /** Base URL without a trailing slash. */
  base: string
  authorization?: string
  /** Extra headers from the config; `authorization` above wins over one named the same. */
  headers?: Record<string, string>
}

export interface HttpCall {
  method: 'GET' | 'POST'
  path: string
  query?: Record<string, string>
  body?: unknown
  signal?: AbortSignal
  timeoutMs: number
  /** The JSON we sent, for naming the offending field in errors (defaults to `body`). */
  describe?: Record<string, unknown>
}

function abortError(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError')
}

/**
 * One HTTP exchange returning parsed JSON. Redirects are refused (SSRF), timeouts and drops are
 * classified, a caller abort rejects with the signal's reason, non-2xx is classified by status
 * and body, and a 2xx that is not JSON is SDF_BACKEND_BAD_RESPONSE.
 */
export async function requestJson(target: HttpTarget, call: HttpCall): Promise<unknown> {
  const site: FailureSite = { backend: target.id, route: `${call.method} ${call.path}` }
  call.signal?.throwIfAborted()
  const timeout = AbortSignal.timeout(call.timeoutMs)
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout
  const url = new URL(target.base + call.path)
  for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value)
  const headers: Record<string, string> = { ...target.headers, accept: 'application/json' }
  if (call.body !== undefined) headers['content-type'] = 'application/json'
  if (target.authorization) headers.authorization = target.authorization

  const interrupted = (error: unknown): never => {
    if (call.signal?.aborted) throw call.signal.reason ?? abortError()
    if (timeout.aborted) throw timedOut(site, call.timeoutMs, error)
    throw unreachable(site, error)
  }

  let response: Response
  try {
    response = await fetch(url, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      redirect: 'manual',
      signal,
    })
  } catch (error) {
    return interrupted(error)
  }
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    return interrupted(error)
  }
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location') ?? '(no location)'
    throw badResponse(
      site,
      `answered ${response.status} redirect to ${location}; redirects are never followed, configure the final URL`,
      { status: response.status, location },
    )
  }
  if (response.status < 200 || response.status >= 300) {
    const sent =
      call.describe ??
      (call.body && typeof call.body === 'object' ? (call.body as Record<string, unknown>) : {})
    throw httpFailure(site, response.status, text, sent)
  }
  const type = response.headers.get('content-type') ?? ''
  if (/html/i.test(type) || /^\s*</.test(text)) {
    throw badResponse(site, `answered ${response.status} with HTML instead of JSON`, {
      contentType: type,
    })
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw badResponse(
      site,
      `answered ${response.status} with text that is not JSON (${text.slice(0, 80)})`,
      { contentType: type },
      error,
    )
  }
}

export function basicAuth(auth: { username: string; password: string } | undefined) {
  if (!auth) return undefined
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
}
