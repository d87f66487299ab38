import { describe, expect, it } from 'vitest'
import { bestAttempt, createSearch, ladderOf, type Verdict } from './qr-search.js'

describe('ladderOf', () => {
  it('orders settings by control strength and drops empty guidance windows', () => {
    const ladder = ladderOf([1.5, 1], [0, 0.5], [0.5, 1])
    expect(ladder.map((l) => [l.weight, l.guidance_start, l.guidance_end])).toEqual([
      [1, 0, 0.5],
      [1, 0.5, 1],
      [1.5, 0, 0.5],
      [1.5, 0.5, 1],
      [1, 0, 1],
      [1.5, 0, 1],
    ])
  })
})

/** Drive the search against a picture that scans from `threshold` up, plain from `plain` up. */
function drive(levels: number, threshold: number, plain: number, perRound: number) {
  const search = createSearch(levels, 1)
  const rounds: number[][] = []
  while (!search.done) {
    const probes = search.next(perRound)
    if (probes.length === 0) break
    rounds.push(probes.map((p) => p.level))
    for (const p of probes) {
      const verdict: Verdict = p.level < threshold ? 'fails' : p.level >= plain ? 'plain' : 'scans'
      search.record(p, verdict)
    }
  }
  return rounds
}

describe('createSearch', () => {
  it('bisects: stronger after a failure, weaker after a too-plain scan, stops at a good one', () => {
    expect(drive(8, 5, 6, 1)).toEqual([[4], [6], [5]])
  })

  it('ends on the weakest scanning level when every scan is plain', () => {
    expect(drive(8, 2, 0, 1)).toEqual([[4], [2], [1]])
  })

  it('probes several levels per round', () => {
    const rounds = drive(9, 7, 9, 3)
    expect(rounds[0]).toEqual([2, 4, 7])
    expect(rounds.flat()).toContain(7)
    expect(rounds.length).toBeLessThanOrEqual(2)
  })

  it('gives up when even the strongest level fails', () => {
    expect(drive(3, 99, 99, 1)).toEqual([[1], [2]])
  })

  it('searches each seed and never retries levels at or above the weakest scan', () => {
    const search = createSearch(4, 2)
    const first = search.next(2)
    expect(first).toEqual([
      { slot: 0, level: 2 },
      { slot: 1, level: 2 },
    ])
    search.record({ slot: 0, level: 2 }, 'plain')
    search.record({ slot: 1, level: 2 }, 'fails')
    // seed 1 failed at 2 and seed 0 scans at 2: nothing left for seed 1, both probes to seed 0
    expect(search.next(2)).toEqual([
      { slot: 0, level: 0 },
      { slot: 0, level: 1 },
    ])
  })
})

describe('bestAttempt', () => {
  it('prefers scanning, then the weakest, then the higher score', () => {
    const attempts = [
      { strength: 0.5, score: 0.9, ok: false },
      { strength: 1.4, score: 1, ok: true },
      { strength: 1.1, score: 0.6, ok: true },
      { strength: 1.1, score: 0.8, ok: true },
    ]
    expect(bestAttempt(attempts)).toBe(3)
    expect(bestAttempt(attempts.slice(0, 1))).toBe(0)
    expect(bestAttempt([])).toBe(-1)
  })
})
