/**
 * The server's access token, asked once when the server answers 401 and kept for the browser
 * session (sessionStorage: gone when the tab closes). REST sends it as `Authorization: Bearer`;
 * the event stream and `<img>` URLs, which cannot set headers, as `?token=`.
 * The question is asked in the page (`TokenPrompt` answers `pendingToken()`), never by
 * `window.prompt`.
 */
const KEY = 'sdflow.token'

/** A question for the token that the page shows; `refused`: the last one given was wrong. */
export interface TokenRequest {
  /** Counts the questions of this page, so each starts with an empty field. */
  id: number
  refused: boolean
  answer(token: string | undefined): void
}

let asking: Promise<string | undefined> | undefined
let declined = false
let remembered: string | undefined
let pending: TokenRequest | undefined
let asked = 0
const listeners = new Set<() => void>()

export function sessionToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined
  } catch {
    return undefined
  }
}

/** The question waiting for an answer, if any (for `useSyncExternalStore`). */
export const pendingToken = (): TokenRequest | undefined => pending

export function onTokenRequest(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function setPending(request: TokenRequest | undefined): void {
  pending = request
  for (const listener of listeners) listener()
}

/** One question however many requests were refused at once; none again once declined. */
export function askToken(refused = false): Promise<string | undefined> {
  if (declined) return Promise.resolve(undefined)
  asking ??= new Promise<string | undefined>((resolve) => {
    setPending({ id: ++asked, refused, answer: resolve })
  })
    .then((answer) => {
      const value = answer?.trim()
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
      setPending(undefined)
    })
  return asking
}

function forget(): void {
  remembered = undefined
  try {
    sessionStorage.removeItem(KEY)
  } catch {
    // nothing stored
  }
}

/**
 * After a 401 on a request sent with `sent`: the token to retry with, asking only when no
 * newer one arrived meanwhile (requests refused together share the one answer). A token that
 * was sent and refused is forgotten, and the question says so.
 */
export async function tokenAfter401(sent: string | undefined): Promise<string | undefined> {
  const now = currentToken()
  if (now !== undefined && now !== sent) return now
  if (now !== undefined) forget()
  return askToken(sent !== undefined)
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
