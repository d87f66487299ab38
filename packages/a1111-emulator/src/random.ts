/** Small deterministic PRNG (mulberry32) and string hashing. */

export type Random = () => number

export function mulberry32(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a 32-bit hash of a string. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** A random seed in [0, 4294967294), like `get_fixed_seed(-1)`. */
export function randomSeed(random: Random): number {
  return Math.floor(random() * 4294967294)
}

const TASK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

export function randomTaskId(random: Random, kind: string): string {
  let id = ''
  for (let i = 0; i < 7; i++) id += TASK_ALPHABET[Math.floor(random() * TASK_ALPHABET.length)]
  return `task(${kind}-${id})`
}
