import { type Sampler, type Scheduler, samplers, schedulers } from './catalog.js'

export interface ResolvedSampler {
  /** Canonical sampler name (`info.sampler_name`, infotext `Sampler`). */
  sampler: Sampler
  /** Scheduler label after resolution (`Automatic` when it is the sampler's default). */
  scheduler: Scheduler
  /** Effective schedule label for the infotext `Schedule type`. */
  scheduleType: string
}

const automatic = schedulers[0] as Scheduler
const firstSampler = samplers[0] as Sampler

function byNameOrLabel(name: string): Scheduler | undefined {
  return schedulers.find((s) => s.name === name || s.label === name)
}

/** A1 1.10 `get_sampler_and_scheduler` as the API uses it (reference §2.5). */
export function resolveSampler(
  samplerName: string | null,
  samplerIndex: string | null,
  schedulerName: string | null,
): ResolvedSampler {
  let name = samplerName || samplerIndex || 'Euler'
  let suffix: Scheduler | undefined
  outer: for (const s of schedulers) {
    for (const option of [s.label, s.name, ...(s.aliases ?? [])]) {
      if (name.endsWith(` ${option}`)) {
        suffix = s
        name = name.slice(0, -(option.length + 1))
        break outer
      }
    }
  }
  const sampler = samplers.find((s) => s.name === name) ?? firstSampler
  let scheduler = suffix ?? automatic
  if (suffix && sampler.scheduler === suffix.name) scheduler = automatic
  if (schedulerName) scheduler = byNameOrLabel(schedulerName) ?? automatic
  const effective =
    scheduler === automatic && sampler.scheduler
      ? (schedulers.find((s) => s.name === sampler.scheduler) ?? automatic)
      : scheduler
  return { sampler, scheduler, scheduleType: effective.label }
}

/** `hr_sampler_name` is looked up exactly; unknown → AssertionError `bad sampler name`. */
export function findSamplerExact(name: string): Sampler | undefined {
  return samplers.find((s) => s.name === name)
}
