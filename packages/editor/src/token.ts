/**
 * The server's access token, asked once when the server answers 401 and kept for the browser
 * session (sessionStorage: gone when the tab closes). REST sends it as `Authorization: Bearer`;
 * the event stream and `<img>` URLs, which cannot set headers, as `?token=`.
 */
const KEY = 'sdflow.token'

let asking: Promise<string | undefined> | undefined
let declined = false
let remembered: string | undefined

export function sessionToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined
  } catch {
    return undefined
  }
}

/** One prompt however many requests were refused at once; none again once declined. */
export function askToken(): Promise<string | undefined> {
  if (declined) return Promise.resolve(undefined)
  asking ??= Promise.resolve()
    .then(() => {
      const value = window.prompt('This sdflow server needs its access token (--token):')?.trim()
      if (!value) {
        declined = true
        return undefined
      }
      try {
        sessionStorage.setItem(KEY, value)
      } catch {
        // storage refused (private mode): the token still serves this page
      }
      remembered = value
      return value
    })
    .finally(() => {
      asking = undefined
    })
  return asking
}

/**
 * After a 401 on a request sent with `sent`: the token to retry with, asking only when no
 * newer one arrived meanwhile (requests refused together share the one answer).
 */
export async function tokenAfter401(sent: string | undefined): Promise<string | undefined> {
  const now = currentToken()
  if (now !== undefined && now !== sent) return now
  return askToken()
}

/** The token to present, if one was given. */
export function currentToken(): string | undefined {
  return sessionToken() ?? remembered
}

/** `init` with the Authorization header when a token is known. */
export function withToken(init: RequestInit = {}): RequestInit {
  const token = currentToken()
  if (!token) return init
  const headers = new Headers(init.headers)
  headers.set('authorization', `Bearer ${token}`)
  return { ...init, headers }
}

/** A URL with `?token=` for what cannot set headers (WebSocket, `<img src>`). */
export function withQueryToken(url: string): string {
  const token = currentToken()
  if (!token) return url
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`
}
