/** Per-backend time limits, in milliseconds. */
export interface Timeouts {
  /** Hard limit for one generation request (txt2img, img2img, extras, detect). */
  requestMs: number
  /** Limit for quick calls: catalog lists, options, progress polls, interrupt. */
  connectMs: number
  /** A job whose progress does not move for this long is treated as hung. */
  frozenMs: number
  /** Limit for one health probe. */
  probeMs: number
}

export const defaultTimeouts: Timeouts = {
  requestMs: 600_000,
  connectMs: 10_000,
  frozenMs: 120_000,
  probeMs: 5_000,
}

export function withDefaultTimeouts(partial: Partial<Timeouts> | undefined): Timeouts {
  return { ...defaultTimeouts, ...partial }
}
