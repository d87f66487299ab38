import type { EmulatorStats, LockSpan } from './types.js'

/** Spans kept for `/emulator/stats` (the newest; enough for a benchmark's run). */
const MAX_SPANS = 10_000

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const nowMs = (): number => performance.timeOrigin + performance.now()

export interface StatsRecorder {
  request(route: string): void
  completed(route: string): void
  abandoned(route: string): void
  /** A job held the FIFO lock from `start` to `end` (the emulated GPU was busy). */
  held(span: LockSpan): void
  snapshot(): EmulatorStats
}

export function createStatsRecorder(): StatsRecorder {
  const requests: Record<string, number> = {}
  const completed: Record<string, number> = {}
  const abandoned: Record<string, number> = {}
  let generations = 0
  const spans: LockSpan[] = []
  return {
    request(route) {
      requests[route] = (requests[route] ?? 0) + 1
    },
    completed(route) {
      completed[route] = (completed[route] ?? 0) + 1
      generations += 1
    },
    abandoned(route) {
      abandoned[route] = (abandoned[route] ?? 0) + 1
    },
    held(span) {
      spans.push(span)
      if (spans.length > MAX_SPANS) spans.splice(0, spans.length - MAX_SPANS)
    },
    snapshot() {
      return {
        requests: { ...requests },
        generations,
        completed: { ...completed },
        abandoned: { ...abandoned },
        busy: spans.map((span) => ({ ...span })),
      }
    },
  }
}
