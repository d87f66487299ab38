import { missingNeeds, type Needs } from '@sdflow/a1111'
import { closest, didYouMean } from '@sdflow/engine'
import { type Issue, issue } from '@sdflow/protocol'
import type { NodeServices } from './services.js'

interface Named {
  checkpoint?: string
  backend?: string
  sampler_name?: string
  scheduler?: string
  hr_upscaler?: string
  enable_hr?: boolean
  upscaler_1?: string
  upscaler_2?: string
  model?: string
  module?: string
  width?: number
  height?: number
}

/**
 * Names checked against what the configured backends offer, so a typo fails before any GPU
 * time is spent and A1111 never silently swaps an unknown sampler for another. With no
 * catalog loaded yet (no backend up), names are left for the backend to judge.
 */
export function checkCatalog(params: Named, services: NodeServices, at: string): Issue[] {
  const issues: Issue[] = []
  for (const side of ['width', 'height'] as const) {
    const value = params[side]
    if (value !== undefined && value > 0 && value % 8 !== 0) {
      issues.push(
        issue(
          'SDF_PARAM_SIZE_NOT_MULTIPLE_OF_8',
          `${at}/${side}`,
          `${side} ${value} is not a multiple of 8: A1111 returns ${value - (value % 8)} px`,
          { severity: 'warning' },
        ),
      )
    }
  }
  for (const field of ['upscaler_1', 'upscaler_2'] as const) {
    const name = params[field]
    if (name === undefined || !isLatentMode(name, services)) continue
    issues.push(
      issue(
        'SDF_CATALOG_UNKNOWN_NAME',
        `${at}/${field}`,
        `"${name}" is a latent upscale mode, which only hires fix uses: extras take the ` +
          '/sdapi/v1/upscalers list (e.g. "Lanczos", "R-ESRGAN 4x+"); for a latent upscale use ' +
          'sd.txt2img with enable_hr and hr_upscaler',
      ),
    )
  }
  const pool = services.backends
  if (!pool) return issues
  const catalogs = pool.list().flatMap((b) => (b.catalog ? [b.catalog] : []))
  const backends = pool.list().map((b) => b.id)
  if (params.backend && !backends.includes(params.backend)) {
    issues.push(
      issue(
        'SDF_CATALOG_UNKNOWN_NAME',
        `${at}/backend`,
        `no backend has id "${params.backend}"; configured: ${backends.join(', ') || 'none'}`,
      ),
    )
  }
  if (catalogs.length === 0) return issues
  const union = pool.catalog()
  const check = (field: keyof Named, kind: string, needs: Needs, known: string[]) => {
    const value = params[field]
    if (typeof value !== 'string' || value === '') return
    if (catalogs.some((c) => missingNeeds(c, needs).length === 0)) return
    issues.push(
      issue(
        'SDF_CATALOG_UNKNOWN_NAME',
        `${at}/${field}`,
        `no backend has ${kind} "${value}"${didYouMean(value, known)}`,
      ),
    )
  }
  const {
    checkpoint,
    sampler_name,
    scheduler,
    hr_upscaler,
    upscaler_1,
    upscaler_2,
    model,
    module,
  } = params
  const upscalers = [...union.upscalers, ...union.latentUpscaleModes]
  if (checkpoint) check('checkpoint', 'checkpoint', { checkpoint }, union.checkpoints)
  if (sampler_name) {
    const before = issues.length
    check('sampler_name', 'sampler', { sampler: sampler_name }, union.samplers)
    const found = issues[before]
    const schedulers = [...new Set(catalogs.flatMap((c) => c.schedulerAliases))]
    if (found)
      found.message = samplerHint(sampler_name, union.samplers, schedulers) ?? found.message
  }
  if (scheduler) check('scheduler', 'scheduler', { scheduler }, union.schedulers)
  if (params.enable_hr && hr_upscaler) {
    check('hr_upscaler', 'upscaler', { upscalers: [hr_upscaler] }, upscalers)
  }
  if (upscaler_1 && !isLatentMode(upscaler_1, services)) {
    check('upscaler_1', 'upscaler', { upscalers: [upscaler_1] }, union.upscalers)
  }
  if (upscaler_2 && !isLatentMode(upscaler_2, services)) {
    check('upscaler_2', 'upscaler', { upscalers: [upscaler_2] }, union.upscalers)
  }
  if (model)
    check('model', 'ControlNet model', { controlnetModels: [model] }, union.controlnetModels)
  if (module) {
    check('module', 'ControlNet module', { controlnetModules: [module] }, union.controlnetModules)
  }
  return issues
}

/** A1111 v1.10.1's latent upscale modes (modules/shared.py), and any a backend lists. */
const latentModes = [
  'Latent',
  'Latent (antialiased)',
  'Latent (bicubic)',
  'Latent (bicubic antialiased)',
  'Latent (nearest)',
  'Latent (nearest-exact)',
]

function isLatentMode(name: string, services: NodeServices): boolean {
  const listed = services.backends?.catalog().latentUpscaleModes ?? []
  return latentModes.includes(name) || listed.includes(name)
}

/** "DPM++ 2M Karass": a known sampler with a mistyped scheduler suffix (a1111-api.md §2.5). */
function samplerHint(name: string, samplers: string[], schedulers: string[]) {
  if (samplers.some((s) => s.toLowerCase() === name.toLowerCase())) return undefined
  const sampler = samplers
    .filter((s) => name.startsWith(`${s} `))
    .sort((a, b) => b.length - a.length)[0]
  if (!sampler) return undefined
  const suffix = name.slice(sampler.length + 1)
  const near = closest(suffix, schedulers, 1)[0]
  const hint = near ? `; did you mean "${sampler} ${near}"?` : ''
  return `sampler "${sampler}" exists but "${suffix}" is no scheduler${hint} (or set the scheduler param)`
}
