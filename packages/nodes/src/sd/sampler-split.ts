/**
 * Scheduler labels, names and aliases of A1111 v1.10.1 (modules/sd_schedulers.py), longest
 * first so `SGM Uniform` wins over `Uniform`.
 */
const schedulerSuffixes = [
  'Automatic',
  'Uniform',
  'Karras',
  'Exponential',
  'Polyexponential',
  'SGM Uniform',
  'SGMUniform',
  'KL Optimal',
  'Align Your Steps',
  'Simple',
  'Normal',
  'DDIM',
  'Beta',
  'automatic',
  'uniform',
  'karras',
  'exponential',
  'polyexponential',
  'sgm_uniform',
  'kl_optimal',
  'align_your_steps',
  'simple',
  'normal',
  'ddim',
  'beta',
].sort((a, b) => b.length - a.length)

export interface SamplerSplit {
  sampler_name: string
  scheduler: string
  /** Set when the suffix was split off. */
  note?: string
}

/**
 * `LMS Karras` with the scheduler left at `Automatic` -> sampler `LMS`, scheduler `Karras`.
 * A1111 1.10 splits such a suffix itself, but only when no scheduler is sent; sdflow always
 * sends one, so the suffix would be dropped silently (modules/api/api.py, sd_samplers.py).
 */
export function splitScheduler(sampler: string, scheduler: string): SamplerSplit {
  if (scheduler !== 'Automatic') return { sampler_name: sampler, scheduler }
  const suffix = schedulerSuffixes.find((s) => sampler.endsWith(` ${s}`))
  if (!suffix) return { sampler_name: sampler, scheduler }
  const bare = sampler.slice(0, -suffix.length - 1)
  return {
    sampler_name: bare,
    scheduler: suffix,
    note: `sampler "${sampler}" is sent as sampler "${bare}" with scheduler "${suffix}" (A1111 1.10 ignores a scheduler suffix when a scheduler is sent)`,
  }
}

/** Params with the split applied; other fields untouched. */
export function withSchedulerSplit<P extends { sampler_name: string; scheduler: string }>(
  params: P,
): P {
  const { sampler_name, scheduler } = splitScheduler(params.sampler_name, params.scheduler)
  return { ...params, sampler_name, scheduler }
}
