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
  /**
   * Bytes of answer read at most (default DEFAULT_MAX_RESPONSE_BYTES), plus the size of the body
   * sent (A1111 echoes the request in `parameters`); past it: SDF_BACKEND_BAD_RESPONSE.
   */
  maxBytes?: number
}

/** The answer cap of calls that carry no generated images (catalogs, progress, options). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

/** Why a read stopped: the answer is larger than the cap. */
class TooLarge {
  constructor(readonly read: number) {}
}

/**
 * The body as text, read chunk by chunk and abandoned as soon as it passes `maxBytes` (a
 * declared Content-Length over it is refused before reading): a hostile or broken backend
 * cannot make us hold more than the cap, and a string too long for V8 is never built.
 */
async function readCapped(response: Response, maxBytes: number): Promise<string | TooLarge> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    return new TooLarge(declared)
  }
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return new TooLarge(size)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size).toString('utf8')
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

  const payload = call.body === undefined ? undefined : JSON.stringify(call.body)
  let response: Response
  try {
    response = await fetch(url, {
      method: call.method,
      headers,
      body: payload,
      redirect: 'manual',
      signal,
    })
  } catch (error) {
    return interrupted(error)
  }
  const maxBytes = (call.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES) + (payload?.length ?? 0)
  let read: string | TooLarge
  try {
    read = await readCapped(response, maxBytes)
  } catch (error) {
    return interrupted(error)
  }
  if (read instanceof TooLarge) {
    throw badResponse(
      site,
      `answered ${response.status} with more than ${maxBytes} bytes (the cap for this request; backend maxResponseBytes raises it); reading stopped at ${read.read}`,
      { status: response.status, maxBytes },
    )
  }
  const text = read
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
