import { resolve } from 'node:path'
import type { Issue } from '@sdflow/protocol'

export interface Output {
  out(line: string): void
  err(line: string): void
  /** Whether stdout is a terminal (live redraws) or a pipe (plain lines). */
  isTty: boolean
  color: boolean
}

export function processOutput(): Output {
  const isTty = Boolean(process.stdout.isTTY)
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTty,
    color: isTty && !process.env.NO_COLOR,
  }
}

/** `CODE pointer message`, the one way the CLI prints an issue. */
export function formatIssue(issue: Issue): string {
  const tag = issue.severity === 'error' ? '' : `${issue.severity} `
  return `${tag}${issue.code} ${issue.pointer || '/'} ${issue.message}`
}

export const ExitCode = { Ok: 0, Failed: 1, Invalid: 2, Cancelled: 130 } as const

/** The exit code of a run status: 0 finished, 1 failed, 2 invalid, 130 cancelled. */
export function exitFor(status: string): number {
  if (status === 'finished') return ExitCode.Ok
  if (status === 'cancelled') return ExitCode.Cancelled
  if (status === 'invalid') return ExitCode.Invalid
  return ExitCode.Failed
}

export function relativeToCwd(path: string): string {
  const cwd = `${resolve('.')}/`
  return path.startsWith(cwd) ? path.slice(cwd.length) : path
}

/** `name: value` lines for a run's plain outputs (images are reported as files). */
export function outputLines(outputs: Record<string, unknown>): string[] {
  return Object.entries(outputs).flatMap(([name, value]) => {
    if (typeof value === 'object' || value === undefined) return []
    const shown =
      typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(4)) : value
    return [`${name}: ${String(shown)}`]
  })
}
