import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import { hostname, networkInterfaces } from 'node:os'
import { fail } from '@sdflow/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { sendError } from './errors.js'

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', ''])

export function isLoopback(host: string): boolean {
  const h = stripBrackets(host.toLowerCase())
  if (h === 'localhost' || h === '::1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(token).digest()
  return timingSafeEqual(a, b)
}

export interface GuardOptions {
  host: string
  token?: string
  allowedHosts?: readonly string[]
  allowedOrigins?: readonly string[]
  /** The port the server listens on, once known. */
  port(): number | undefined
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * One onRequest hook, before any handler: `Host` must name this server (DNS rebinding), and on
 * mutating requests and WebSocket upgrades a present `Origin` must be this server's own, and
 * the bearer token must be given when one is configured.
 */
export function installGuard(app: FastifyInstance, options: GuardOptions): void {
  const names = allowedHostNames(options)
  const origins = new Set((options.allowedOrigins ?? []).map((o) => o.toLowerCase()))
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host
    if (!hostAllowed(host, names, options.port())) {
      return sendError(
        reply,
        fail('SDF_SERVER_FORBIDDEN', `Host "${host ?? ''}" is not a name this server answers to`, {
          pointer: '/headers/host',
        }),
      )
    }
    const upgrade = isUpgrade(request)
    if (!upgrade && SAFE_METHODS.has(request.method)) return
    const origin = request.headers.origin
    if (origin !== undefined && !originAllowed(origin, host, origins)) {
      return sendError(
        reply,
        fail('SDF_SERVER_FORBIDDEN', `requests from origin "${origin}" are not allowed`, {
          pointer: '/headers/origin',
        }),
      )
    }
    // a foreign API face (A1111) checks the token itself, to answer in its own error shape
    if (request.routeOptions.config.ownAuth === true) return
    if (
      options.token !== undefined &&
      !tokenMatches(presentedToken(request, upgrade), options.token)
    ) {
      reply.header('www-authenticate', 'Bearer')
      return sendError(
        reply,
        fail(
          'SDF_SERVER_UNAUTHORIZED',
          'a valid token is required (Bearer, or Basic with the token as password)',
          {
            pointer: '/headers/authorization',
          },
        ),
      )
    }
  })
}

function isUpgrade(request: FastifyRequest): boolean {
  return request.headers.upgrade?.toLowerCase() === 'websocket'
}

/** Whether the request carries the configured token (always true when none is configured). */
export function requestAuthorized(request: FastifyRequest, token: string | undefined): boolean {
  return token === undefined || tokenMatches(presentedToken(request, isUpgrade(request)), token)
}

/**
 * `Authorization: Bearer T`, or HTTP Basic with the token as password and any user name (how
 * A1111 clients send `--api-auth` credentials); on a WebSocket upgrade also `?token=`.
 */
export function presentedToken(request: FastifyRequest, upgrade: boolean): string | undefined {
  const auth = request.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim()
  const basic = basicCredentials(auth)
  if (basic) return basic.password
  if (upgrade) {
    const query = request.query as Record<string, unknown> | undefined
    const fromQuery = query?.token ?? new URL(request.url, 'http://x').searchParams.get('token')
    if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery
  }
  return undefined
}

/** The user name and password of an `Authorization: Basic` header. */
export function basicCredentials(
  header: string | undefined,
): { username: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined
  const text = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon < 0) return undefined
  return { username: text.slice(0, colon), password: text.slice(colon + 1) }
}

function allowedHostNames(options: GuardOptions): Set<string> {
  const names = new Set<string>([...LOOPBACK_NAMES])
  const bound = stripBrackets(options.host.toLowerCase())
  if (WILDCARDS.has(bound)) {
    // every address of this machine is bound
    names.add(hostname().toLowerCase())
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(a.address.toLowerCase())
    }
  } else names.add(bound)
  for (const h of options.allowedHosts ?? []) names.add(stripBrackets(h.toLowerCase()))
  return names
}

function splitHost(host: string): { name: string; port?: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase())
  if (!m?.[1]) return { name: '' }
  return { name: stripBrackets(m[1]), port: m[2] === undefined ? undefined : Number(m[2]) }
}

export function hostAllowed(
  host: string | undefined,
  names: ReadonlySet<string>,
  port: number | undefined,
): boolean {
  if (!host) return false
  const parsed = splitHost(host)
  if (!names.has(parsed.name)) return false
  // before listen (inject) the port is unknown; afterwards it must be the bound one
  return port === undefined || (parsed.port ?? 80) === port
}

function originAllowed(
  origin: string,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (allowed.has(origin.toLowerCase())) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false // "null" and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  // same origin: the page was served by the very host:port this request names
  return host !== undefined && url.host === new URL(`http://${host}`).host
}

/** Refuse a non-loopback bind without a token. */
export function checkBind(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < 8) {
    throw fail('SDF_CONFIG_INVALID', 'the server token must have at least 8 characters')
  }
  if (!isLoopback(host) && token === undefined) {
    throw fail(
      'SDF_CONFIG_INVALID',
      `refusing to listen on ${host} without a token: anyone who can reach it could run workflows; set a token or bind 127.0.0.1`,
    )
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's plugin checks the token itself (with requestAuthorized), in its own shape. */
    ownAuth?: boolean
  }
}
