import { type RequestKind, requestProblems } from '@sdflow/a1111'
import { DEFAULT_MAX_PIXELS } from '@sdflow/engine'
import { type Issue, issue } from '@sdflow/protocol'
import type { NodeServices } from './services.js'

/**
 * The request a node would send, checked against the one request schema (A1111's bounds, its
 * field names, the pixel limit) that the client checks again before sending. A problem in a
 * field that `extra` set points into `extra`.
 */
export function checkRequest(
  kind: RequestKind,
  request: Record<string, unknown>,
  extra: Record<string, unknown>,
  services: NodeServices,
  at: string,
): Issue[] {
  const maxPixels = services.maxPixels ?? DEFAULT_MAX_PIXELS
  return requestProblems(kind, request, { maxPixels }).map((problem) => {
    const key = problem.field.split('/')[1] ?? ''
    const fromExtra = Object.hasOwn(extra, unescapeToken(key))
    const base = fromExtra ? `${at}/extra` : at
    return issue(
      problem.code,
      problem.field === '/' ? base : `${base}${problem.field}`,
      problem.message,
    )
  })
}

const unescapeToken = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~')
