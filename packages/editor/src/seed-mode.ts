import type { NodeSpec } from '@sdflow/protocol'
import type { NodeView } from './run-state.js'

/** What happens to a generation node's seed after each run (ComfyUI's "control after generate"). */
export const SEED_MODES = ['fixed', 'increment', 'randomize'] as const
export type SeedMode = (typeof SEED_MODES)[number]

/** Where a document records the mode: the node's editor state, `ui.seedMode` (absent: fixed). */
export const SEED_MODE_KEY = 'seedMode'

export function seedModeOf(ui: Record<string, unknown>): SeedMode {
  const mode = ui[SEED_MODE_KEY]
  return SEED_MODES.find((m) => m === mode) ?? 'fixed'
}

type Schema = { properties?: Record<string, { maximum?: unknown }> }

/** The largest seed a node type takes, when it has an integer `seed` param; else undefined. */
export function seedMax(spec: NodeSpec | undefined): number | undefined {
  const seed = (spec?.params as Schema | undefined)?.properties?.seed
  if (!seed) return undefined
  return typeof seed.maximum === 'number' ? seed.maximum : 2 ** 32 - 2
}

/** The seed for the next run, or undefined to keep it (fixed, or -1 that A1111 randomises). */
export function nextSeed(
  mode: SeedMode,
  seed: unknown,
  max: number,
  random: () => number = Math.random,
): number | undefined {
  if (mode === 'randomize') return Math.floor(random() * (max + 1))
  if (mode === 'increment' && typeof seed === 'number' && seed >= 0) {
    return seed >= max ? 0 : seed + 1
  }
  return undefined
}

/** The seed the node's last run used (its first image's), as the node reported it. */
export function usedSeed(run: NodeView): number | undefined {
  const seeds = run.meta?.seeds
  if (Array.isArray(seeds) && typeof seeds[0] === 'number') return seeds[0]
  const value = run.values?.seeds
  return typeof value === 'number' ? value : undefined
}
