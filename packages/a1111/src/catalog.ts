import { SdflowError } from '@sdflow/protocol'
import type { Operation } from './backend.js'
import type { A1111Client } from './client.js'
import type { CallOptions } from './options.js'

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
  /** Label or alias -> scheduler name where they differ (`Karras` -> `karras`). */
  schedulerNames?: Record<string, string>
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

/** The A1111 list routes a catalog is read from (the A1111 client, or a proxy of it). */
export type CatalogSource = Pick<
  A1111Client,
  | 'sdModels'
  | 'samplers'
  | 'schedulers'
  | 'upscalers'
  | 'latentUpscaleModes'
  | 'controlnetModels'
  | 'controlnetModules'
  | 'options'
>

export async function loadCatalog(client: CatalogSource, call: CallOptions = {}): Promise<Catalog> {
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
  const schedulerNames: Record<string, string> = Object.create(null)
  for (const s of schedulers) {
    schedulerAliases.add(s.name)
    for (const alias of [s.label, ...(s.aliases ?? [])]) {
      schedulerAliases.add(alias)
      if (alias !== s.name) schedulerNames[alias] = s.name
    }
  }
  const catalog: Catalog = {
    checkpoints: models.map((m) => m.title),
    checkpointAliases: [...checkpointAliases],
    samplers: samplers.map((s) => s.name),
    schedulers: schedulers.map((s) => s.name),
    schedulerAliases: [...schedulerAliases],
    schedulerNames,
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
  /** The operation; a backend whose capabilities lack it is never offered the job. */
  operation?: Operation
  checkpoint?: string
  /** Upscaler or latent upscale mode names. */
  upscalers?: string[]
  controlnetModels?: string[]
  controlnetModules?: string[]
  sampler?: string
  scheduler?: string
}

const HASH = /\s*\[([0-9a-f]+)\]$/i
const stem = (name: string) => name.replace(HASH, '').toLowerCase()

export function hasCheckpoint(catalog: Catalog, name: string): boolean {
  return catalog.checkpointAliases.includes(name)
}

/** ControlNet's own lookup: exact key, then file stem, then a stem containing the text. */
function controlnetModelEntry(catalog: Catalog, name: string): string | undefined {
  const wanted = stem(name)
  return (
    catalog.controlnetModels.find((m) => m === name) ??
    catalog.controlnetModels.find((m) => stem(m) === wanted) ??
    catalog.controlnetModels.find((m) => stem(m).includes(wanted))
  )
}

export function hasControlnetModel(catalog: Catalog, name: string): boolean {
  return name === 'None' || controlnetModelEntry(catalog, name) !== undefined
}

/** A scheduler's name, label or alias, as A1111 resolves it (the name); undefined when none. */
function schedulerEntry(catalog: Catalog, name: string): string | undefined {
  if (catalog.schedulers.includes(name)) return name
  if (catalog.schedulerNames && Object.hasOwn(catalog.schedulerNames, name)) {
    return catalog.schedulerNames[name]
  }
  return undefined
}

/** A checkpoint title the name is (title, title without its hash, the hash itself). */
function checkpointEntry(catalog: Catalog, name: string): string | undefined {
  return catalog.checkpoints.find(
    (t) => t === name || t.replace(HASH, '') === name || HASH.exec(t)?.[1] === name,
  )
}

/** What a workflow param with `x-catalog: key` must find on a backend to run there. */
function needsOf(key: string, name: string): Needs | undefined {
  switch (key) {
    case 'checkpoints':
      return { checkpoint: name }
    case 'samplers':
      return { sampler: name }
    case 'schedulers':
      return { scheduler: name }
    case 'upscalers':
      return { upscalers: [name] }
    case 'controlnetModels':
      return { controlnetModels: [name] }
    case 'controlnetModules':
      return { controlnetModules: [name] }
    default:
      return undefined
  }
}

const entries: Record<string, (catalog: Catalog, name: string) => string | undefined> = {
  checkpoints: checkpointEntry,
  controlnetModels: controlnetModelEntry,
  controlnetModules: canonicalModule,
  schedulers: schedulerEntry,
}

/**
 * How a backend reads a name given for a catalog list (`x-catalog` key): whether it takes it
 * (the rule validation applies) and which listed entry it means, when one does (a ControlNet
 * model given without its hash, a scheduler's label), for forms that list catalog entries.
 */
export function catalogMatch(
  catalog: Catalog,
  key: string,
  name: string,
): { known: boolean; entry?: string } {
  const needs = needsOf(key, name)
  if (!needs || missingNeeds(catalog, needs).length > 0) return { known: false }
  const entry = Object.hasOwn(entries, key) ? entries[key]?.(catalog, name) : undefined
  return entry === undefined ? { known: true } : { known: true, entry }
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
