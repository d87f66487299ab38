import { hashString } from '../random.js'
import type { Core } from './core.js'

/** Seed of picture `k`: its own seed, mixed with the variation seed when one is used. */
export function pictureSeed(core: Core, k: number): number {
  const seed = core.allSeeds[k] ?? core.seed
  if (core.subseedStrength <= 0) return seed
  const subseed = core.allSubseeds[k] ?? core.subseed
  return hashString(`${subseed}:${core.subseedStrength}`, seed >>> 0)
}
