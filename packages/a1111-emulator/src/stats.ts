import type { EmulatorStats } from './types.js'

export interface StatsRecorder {
  request(route: string): void
  completed(route: string): void
  abandoned(route: string): void
  snapshot(): EmulatorStats
}

export function createStatsRecorder(): StatsRecorder {
  const requests: Record<string, number> = {}
  const completed: Record<string, number> = {}
  const abandoned: Record<string, number> = {}
  let generations = 0
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
    snapshot() {
      return {
        requests: { ...requests },
        generations,
        completed: { ...completed },
        abandoned: { ...abandoned },
      }
    },
  }
}
