/**
 * The search of sd.qr-illusion, free of I/O: a ladder of control settings ordered by strength,
 * bisected per seed (a picture scans from some strength up), several probes per round.
 */

/** One control setting; strength = weight × guided fraction, as ControlNet applies it. */
export interface Level {
  weight: number
  guidance_start: number
  guidance_end: number
  strength: number
}

export interface Probe {
  level: number
  /** Index into the seed list. */
  slot: number
}

export type Verdict = 'fails' | 'scans' | 'plain'

/** Every (weight, start, end) with start < end, weakest first (ties: lower weight first). */
export function ladderOf(
  weights: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
): Level[] {
  const levels: Level[] = []
  const seen = new Set<string>()
  for (const weight of weights) {
    for (const guidance_start of starts) {
      for (const guidance_end of ends) {
        const key = `${weight}/${guidance_start}/${guidance_end}`
        if (guidance_start >= guidance_end || seen.has(key)) continue
        seen.add(key)
        const strength = weight * (guidance_end - guidance_start)
        levels.push({ weight, guidance_start, guidance_end, strength })
      }
    }
  }
  return levels.sort((a, b) => a.strength - b.strength || a.weight - b.weight)
}

/**
 * Per seed, the open interval (lo, hi) of levels still worth a try: lo is the strongest level
 * that failed, hi the weakest that scanned. Levels at or above the weakest scanning level of
 * any seed are never tried again: the aim is the most artistic (weakest) setting that scans.
 */
export function createSearch(levels: number, seeds: number) {
  const lo = Array.from({ length: seeds }, () => -1)
  const hi = Array.from({ length: seeds }, () => levels)
  let weakestScan = levels
  let satisfied = false
  const tried = new Set<string>()

  const bounds = (slot: number) => {
    const low = lo[slot] ?? -1
    const high = Math.min(hi[slot] ?? levels, weakestScan)
    return { low, high, open: high - low - 1 }
  }

  return {
    /** Up to `count` untried probes, spread over the seeds still open. */
    next(count: number): Probe[] {
      if (satisfied || count <= 0) return []
      const open = [...Array(seeds).keys()].filter((s) => bounds(s).open > 0)
      if (open.length === 0) return []
      const share = open.map(
        (_, i) => Math.floor(count / open.length) + (i < count % open.length ? 1 : 0),
      )
      const probes: Probe[] = []
      open.forEach((slot, i) => {
        const { low, high, open: width } = bounds(slot)
        const q = Math.min(share[i] ?? 0, width)
        for (let k = 0; k < q; k++) {
          // q points evenly inside (low, high): q = 1 is the midpoint of a bisection
          const level = low + Math.max(1, Math.round(((k + 1) * (high - low)) / (q + 1)))
          const key = `${slot}/${level}`
          if (level >= high || tried.has(key)) continue
          tried.add(key)
          probes.push({ level, slot })
        }
      })
      return probes
    },
    record(probe: Probe, verdict: Verdict): void {
      if (verdict === 'fails') {
        lo[probe.slot] = Math.max(lo[probe.slot] ?? -1, probe.level)
        return
      }
      hi[probe.slot] = Math.min(hi[probe.slot] ?? levels, probe.level)
      weakestScan = Math.min(weakestScan, probe.level)
      if (verdict === 'scans') satisfied = true
    },
    /** True once a result scanned without being too plain, or nothing is left to try. */
    get done(): boolean {
      return satisfied || [...Array(seeds).keys()].every((s) => bounds(s).open <= 0)
    },
  }
}

export interface Scored {
  strength: number
  score: number
  ok: boolean
}

/** The index of the best attempt: scanning ones first, the weakest, then the higher score. */
export function bestAttempt(attempts: readonly Scored[]): number {
  let best = -1
  attempts.forEach((a, i) => {
    const b = attempts[best]
    if (!b) {
      best = i
      return
    }
    if (a.ok !== b.ok) {
      if (a.ok) best = i
      return
    }
    const better = a.ok
      ? a.strength < b.strength || (a.strength === b.strength && a.score > b.score)
      : a.score > b.score || (a.score === b.score && a.strength > b.strength)
    if (better) best = i
  })
  return best
}
