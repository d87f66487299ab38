import { type Static, Type } from 'typebox'
import { type ErrorCode, ErrorCodes } from './error-codes.js'

/** `info`: something sdflow changed for the user (a normalised name), worth saying, never blocking. */
export const Severity = { Error: 'error', Warning: 'warning', Info: 'info' } as const
export type Severity = (typeof Severity)[keyof typeof Severity]

/** One problem, located by an RFC 6901 pointer into the workflow document (or request). */
export const IssueSchema = Type.Object({
  code: Type.String(),
  pointer: Type.String(),
  message: Type.String(),
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')]),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

export interface Issue extends Static<typeof IssueSchema> {
  code: ErrorCode
}

export function issue(
  code: ErrorCode,
  pointer: string,
  message: string,
  extra: { severity?: Severity; details?: Record<string, unknown> } = {},
): Issue {
  const out: Issue = { code, pointer, message, severity: extra.severity ?? 'error' }
  if (extra.details) out.details = extra.details
  return out
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error')
}

/** The one error class. Intent lives in the code, not in subclasses. */
export class SdflowError extends Error {
  override readonly name = 'SdflowError'
  constructor(
    readonly issue: Issue,
    options?: ErrorOptions,
  ) {
    super(issue.message, options)
  }
  get code(): ErrorCode {
    return this.issue.code
  }
  get status(): number {
    return ErrorCodes[this.issue.code].status
  }
}

export function fail(
  code: ErrorCode,
  message: string,
  extra: { pointer?: string; cause?: unknown; details?: Record<string, unknown> } = {},
): SdflowError {
  const made = issue(code, extra.pointer ?? '', message, { details: extra.details })
  return new SdflowError(made, extra.cause === undefined ? undefined : { cause: extra.cause })
}

/** Escape one reference token (RFC 6901: `~` -> `~0`, `/` -> `~1`). */
export function escapePointerToken(token: string | number): string {
  const text = String(token)
  // most tokens need no escape; validate builds one pointer per node of a 10,000-node workflow
  if (!text.includes('~') && !text.includes('/')) return text
  return text.replaceAll('~', '~0').replaceAll('/', '~1')
}

export function pointer(...tokens: (string | number)[]): string {
  let out = ''
  for (const token of tokens) out += `/${escapePointerToken(token)}`
  return out
}
