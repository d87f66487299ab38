import { SdflowError } from '@sdflow/protocol'
import type { A1111Client, CallOptions } from './client.js'

/** The names one backend offers, for validation and for picking a backend. */
export interface Catalog {
  /** sd-models titles (`file.safetensors [hash]`). */
  checkpoints: string[]
  /** Every name a checkpoint answers to: title, title without hash, model_name, hash, sha256. */
  checkpointAliases: string[]
  samplers: string[]
  schedulers: string[]
  /** Names, labels and aliases of schedulers (what the `scheduler` field accepts). */
  schedulerAliases: string[]
  upscalers: string[]
  latentUpscaleModes: string[]
  controlnetModels: string[]
  controlnetModules: string[]
  /**
   * UI label -> module name where they differ (`softedge_hed` -> `hed`): ControlNet accepts
   * either (CN `scripts/supported_preprocessor.py` `Preprocessor.get_preprocessor` looks a
   * name up among labels, then names), and `module_list?alias_names=true` lists the labels.
   */
  controlnetModuleLabels: Record<string, string>
  /** The `sd_model_checkpoint` option when the catalog was loaded. */
  loadedCheckpoint?: string
}

/** A 404 means the route (extension) is absent: an empty list, not a failure. */
async function optional<T>(load: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (error instanceof SdflowError && error.issue.details?.status === 404) return empty
    throw error
  }
}

export async function loadCatalog(client: A1111Client, call: CallOptions = {}): Promise<Catalog> {
  const [models, samplers, schedulers, upscalers, latent, cnModels, cnModules, cnLabels, options] =
    await Promise.all([
      client.sdModels(call),
      client.samplers(call),
      optional(() => client.schedulers(call), []),
      client.upscalers(call),
      optional(() => client.latentUpscaleModes(call), []),
      optional(() => client.controlnetModels(call), []),
      optional(() => client.controlnetModules(call), { module_list: [] }),
      optional(() => client.controlnetModules({ ...call, aliasNames: true }), { module_list: [] }),
      client.options(call),
    ])
  const checkpointAliases = new Set<string>()
  for (const m of models) {
    checkpointAliases.add(m.title)
    checkpointAliases.add(m.title.replace(/\s*\[[0-9a-f]+\]$/i, ''))
    checkpointAliases.add(m.model_name)
    if (m.hash) checkpointAliases.add(m.hash)
    if (m.sha256) checkpointAliases.add(m.sha256)
  }
  const schedulerAliases = new Set<string>()
  for (const s of schedulers) {
    schedulerAliases.add(s.name)
    schedulerAliases.add(s.label)
    for (const alias of s.aliases ?? []) schedulerAliases.add(alias)
  }
  const catalog: Catalog = {
    checkpoints: models.map((m) => m.title),
    checkpointAliases: [...checkpointAliases],
    samplers: samplers.map((s) => s.name),
    schedulers: schedulers.map((s) => s.name),
    schedulerAliases: [...schedulerAliases],
    upscalers: upscalers.map((u) => u.name),
    latentUpscaleModes: latent.map((l) => l.name),
    controlnetModels: cnModels,
    controlnetModules: cnModules.module_list,
    controlnetModuleLabels: moduleLabels(cnModules.module_list, cnLabels.module_list),
  }
  const loaded = options.sd_model_checkpoint
  if (typeof loaded === 'string' && loaded) catalog.loadedCheckpoint = loaded
  return catalog
}

/** Both lists come in the same order (CN `scripts/api.py` `module_list`). */
function moduleLabels(names: string[], labels: string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  if (labels.length !== names.length) return out
  labels.forEach((label, i) => {
    const name = names[i]
    if (name !== undefined && label !== name) out[label] = name
  })
  return out
}

/** A module name or UI label, as ControlNet resolves it; undefined when neither. */
export function canonicalModule(
  catalog: Pick<Catalog, 'controlnetModules' | 'controlnetModuleLabels'>,
  module: string,
): string | undefined {
  if (catalog.controlnetModules.includes(module)) return module
  return Object.hasOwn(catalog.controlnetModuleLabels, module)
    ? catalog.controlnetModuleLabels[module]
    : undefined
}

/** What a job needs from a backend. */
export interface Needs {
  checkpoint?: string
  /** Upscaler or latent upscale mode names. */
  upscalers?: string[]
  controlnetModels?: string[]
  controlnetModules?: string[]
  sampler?: string
  scheduler?: string
}

const stem = (name: string) => name.replace(/\s*\[[0-9a-f]+\]$/i, '').toLowerCase()

export function hasCheckpoint(catalog: Catalog, name: string): boolean {
  return catalog.checkpointAliases.includes(name)
}

/** ControlNet's own lookup: exact key, then file stem, then a stem containing the text. */
export function hasControlnetModel(catalog: Catalog, name: string): boolean {
  if (name === 'None') return true
  const wanted = stem(name)
  return catalog.controlnetModels.some(
    (m) => m === name || stem(m) === wanted || stem(m).includes(wanted),
  )
}

/** A sampler name, or an old-style `"<sampler> <scheduler>"` name (a1111-api.md §2.5). */
export function hasSampler(catalog: Catalog, name: string): boolean {
  if (catalog.samplers.includes(name)) return true
  return catalog.schedulerAliases.some(
    (s) => name.endsWith(` ${s}`) && catalog.samplers.includes(name.slice(0, -s.length - 1)),
  )
}

/** The needs this catalog lacks, each as a phrase like `checkpoint "x"`. */
export function missingNeeds(catalog: Catalog, needs: Needs): string[] {
  const missing: string[] = []
  if (needs.checkpoint && !hasCheckpoint(catalog, needs.checkpoint)) {
    missing.push(`checkpoint "${needs.checkpoint}"`)
  }
  for (const u of needs.upscalers ?? []) {
    if (!catalog.upscalers.includes(u) && !catalog.latentUpscaleModes.includes(u)) {
      missing.push(`upscaler "${u}"`)
    }
  }
  for (const m of needs.controlnetModels ?? []) {
    if (!hasControlnetModel(catalog, m)) missing.push(`ControlNet model "${m}"`)
  }
  for (const m of needs.controlnetModules ?? []) {
    if (!canonicalModule(catalog, m)) missing.push(`ControlNet module "${m}"`)
  }
  if (needs.sampler && !hasSampler(catalog, needs.sampler)) {
    missing.push(`sampler "${needs.sampler}"`)
  }
  if (needs.scheduler && !catalog.schedulerAliases.includes(needs.scheduler)) {
    missing.push(`scheduler "${needs.scheduler}"`)
  }
  return missing
}

/** Whether the loaded checkpoint is the one wanted (by any of its names). */
export function checkpointLoaded(loaded: string | undefined, wanted: string): boolean {
  return loaded !== undefined && (loaded === wanted || stem(loaded) === stem(wanted))
}
