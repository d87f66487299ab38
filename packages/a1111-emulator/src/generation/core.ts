import { pythonException } from '../api-error.js'
import { A1111_VERSION, type Checkpoint, findCheckpoint } from '../catalog.js'
import type { EmulatorContext } from '../context.js'
import { encodePng } from '../image-io.js'
import { createInfotext } from '../infotext.js'
import type { RawImage } from '../picture.js'
import { type PyValue, pyFloat, pyJsonDumps } from '../py-format.js'
import { randomSeed } from '../random.js'
import type { CommonRequest } from '../request-models.js'
import { type ResolvedSampler, resolveSampler } from '../sampler-resolution.js'
import { checkOverrides } from '../settings.js'
import { composeGrid } from './grid.js'

/** Everything `process_images` resolved from a request, shared by txt2img and img2img. */
export interface Core {
  prompt: string
  negativePrompt: string
  styles: string[]
  seed: number
  subseed: number
  allSeeds: number[]
  allSubseeds: number[]
  subseedStrength: number
  sampler: ResolvedSampler
  cfgScale: number
  steps: number
  batchSize: number
  nIter: number
  width: number
  height: number
  checkpoint: Checkpoint
  clipSkip: number
  restoreFaces: boolean
  tiling: boolean
  seedResizeFromW: number
  seedResizeFromH: number
  denoising: number | null
  overrides: Record<string, unknown> | null
  /** `p.extra_generation_params`, in insertion order. */
  extra: [string, PyValue][]
  jobTimestamp: string
}

export function num(value: number | null, fallback: number): number {
  return value ?? fallback
}

/** Resolves the common fields once the job holds the lock (500s raised here). */
export function resolveCore(ctx: EmulatorContext, req: CommonRequest, batchSize: number): Core {
  if (req.prompt === null) throw pythonException('AssertionError', '')
  checkOverrides(ctx.settings, req.override_settings)
  for (const name of [req.refiner_checkpoint]) {
    if (name && name !== 'None' && !findCheckpoint(name)) {
      throw pythonException('Exception', `Could not find checkpoint with name ${name}`)
    }
  }
  const nIter = Math.max(1, num(req.n_iter, 1))
  const total = batchSize * nIter
  const rawSeed = num(req.seed, -1)
  const seed = rawSeed === -1 ? randomSeed(ctx.random) : rawSeed
  const rawSubseed = num(req.subseed, -1)
  const subseed = rawSubseed === -1 ? randomSeed(ctx.random) : rawSubseed
  const subseedStrength = num(req.subseed_strength, 0)
  const allSeeds = Array.from({ length: total }, (_, k) => (subseedStrength > 0 ? seed : seed + k))
  const allSubseeds = Array.from({ length: total }, (_, k) => subseed + k)
  const overrides = req.override_settings
  return {
    prompt: req.prompt,
    negativePrompt: req.negative_prompt ?? '',
    styles: req.styles ?? [],
    seed,
    subseed,
    allSeeds,
    allSubseeds,
    subseedStrength,
    sampler: resolveSampler(req.sampler_name, req.sampler_index, req.scheduler),
    cfgScale: num(req.cfg_scale, 7),
    steps: num(req.steps, 50),
    batchSize,
    nIter,
    width: num(req.width, 512),
    height: num(req.height, 512),
    checkpoint: ctx.settings.checkpoint(overrides),
    clipSkip: ctx.settings.number('CLIP_stop_at_last_layers', overrides),
    restoreFaces: req.restore_faces ?? ctx.settings.bool('face_restoration', overrides),
    tiling: req.tiling ?? ctx.settings.bool('tiling', overrides),
    seedResizeFromW: num(req.seed_resize_from_w, -1),
    seedResizeFromH: num(req.seed_resize_from_h, -1),
    denoising: req.denoising_strength,
    overrides,
    extra: [],
    jobTimestamp: ctx.progress.job_timestamp,
  }
}

/**
 * What the sampler writes when it starts: DDIM's eta as `Eta DDIM` when not 0 (A1
 * `modules/sd_samplers_timesteps.py`, option `eta_ddim`), ancestral/SDE samplers' eta as `Eta`
 * when not 1 (`modules/sd_samplers_kdiffusion.py`, option `eta_ancestral`).
 */
export function samplerExtras(ctx: EmulatorContext, core: Core, eta: number | null): void {
  const name = core.sampler.sampler.name
  if (name === 'DDIM' || name === 'DDIM CFG++') {
    const value = eta ?? ctx.settings.number('eta_ddim', core.overrides)
    if (value !== 0) core.extra.push(['Eta DDIM', pyFloat(value)])
  } else if (name.endsWith(' a') || name.includes('SDE')) {
    const value = eta ?? ctx.settings.number('eta_ancestral', core.overrides)
    if (value !== 1) core.extra.push(['Eta', pyFloat(value)])
  }
}

/** `override_settings_restore_afterwards: false` keeps the overrides (unknown checkpoint dropped). */
export function persistOverrides(ctx: EmulatorContext, req: CommonRequest): void {
  const overrides = req.override_settings
  if (!overrides || req.override_settings_restore_afterwards !== false) return
  const kept = { ...overrides }
  if (typeof kept.sd_model_checkpoint !== 'string' || !findCheckpoint(kept.sd_model_checkpoint)) {
    delete kept.sd_model_checkpoint
  }
  ctx.settings.apply(kept)
}

export function infotextFor(ctx: EmulatorContext, core: Core, index: number): string {
  const o = core.overrides
  const s = ctx.settings
  const variation = core.subseedStrength !== 0
  const ensd = s.number('eta_noise_seed_delta', o)
  return createInfotext({
    prompt: core.prompt,
    negativePrompt: core.negativePrompt,
    fixed: {
      Steps: core.steps,
      Sampler: core.sampler.sampler.name,
      'CFG scale': pyFloat(core.cfgScale),
      Seed: core.allSeeds[index] ?? core.seed,
      'Face restoration': core.restoreFaces ? String(s.values.face_restoration_model) : null,
      Size: `${core.width}x${core.height}`,
      'Model hash': s.bool('add_model_hash_to_info', o) ? core.checkpoint.hash : null,
      Model: s.bool('add_model_name_to_info', o) ? core.checkpoint.model_name : null,
      'Variation seed': variation ? (core.allSubseeds[index] ?? core.subseed) : null,
      'Variation seed strength': variation ? pyFloat(core.subseedStrength) : null,
      'Seed resize from':
        core.seedResizeFromW > 0 && core.seedResizeFromH > 0
          ? `${core.seedResizeFromW}x${core.seedResizeFromH}`
          : null,
      'Clip skip': core.clipSkip > 1 ? core.clipSkip : null,
      ENSD: ensd !== 0 && core.sampler.sampler.options.uses_ensd === 'True' ? ensd : null,
      RNG: s.values.randn_source !== 'GPU' ? String(s.values.randn_source) : null,
      Tiling: core.tiling ? 'True' : null,
    },
    extra: core.extra,
    version: s.bool('add_version_to_infotext', o) ? A1111_VERSION : null,
  })
}

/** `Processed.js()`: the `info` JSON string, keys in A1111's order. */
export function infoString(
  ctx: EmulatorContext,
  core: Core,
  infotexts: string[],
  indexOfFirstImage: number,
): string {
  const total = core.batchSize * core.nIter
  const prompts = Array.from({ length: total }, () => core.prompt)
  const negatives = Array.from({ length: total }, () => core.negativePrompt)
  const info: Record<string, PyValue> = {
    prompt: core.prompt,
    all_prompts: prompts,
    negative_prompt: core.negativePrompt,
    all_negative_prompts: negatives,
    seed: core.seed,
    all_seeds: core.allSeeds,
    subseed: core.subseed,
    all_subseeds: core.allSubseeds,
    subseed_strength: pyFloat(core.subseedStrength),
    width: core.width,
    height: core.height,
    sampler_name: core.sampler.sampler.name,
    cfg_scale: pyFloat(core.cfgScale),
    steps: core.steps,
    batch_size: core.batchSize,
    restore_faces: core.restoreFaces,
    face_restoration_model: core.restoreFaces
      ? String(ctx.settings.values.face_restoration_model)
      : null,
    sd_model_name: core.checkpoint.model_name,
    sd_model_hash: core.checkpoint.hash,
    sd_vae_name: null,
    sd_vae_hash: null,
    seed_resize_from_w: core.seedResizeFromW,
    seed_resize_from_h: core.seedResizeFromH,
    denoising_strength: core.denoising === null ? null : pyFloat(core.denoising),
    extra_generation_params: Object.fromEntries(core.extra),
    index_of_first_image: indexOfFirstImage,
    infotexts,
    styles: core.styles,
    job_timestamp: core.jobTimestamp,
    clip_skip: core.clipSkip,
    is_using_inpainting_conditioning: false,
    version: A1111_VERSION,
  }
  return pyJsonDumps(info)
}

export interface GeneratedImage {
  image: RawImage
  index: number
}

export interface AssembleOptions {
  saveImages: boolean
  sendImages: boolean
  maps: Buffer[]
}

/** Encodes images (with `parameters` text), adds the grid and ControlNet maps, builds `info`. */
export async function assemble(
  ctx: EmulatorContext,
  core: Core,
  generated: GeneratedImage[],
  opts: AssembleOptions,
): Promise<{ images: string[]; info: string }> {
  const infotexts = generated.map((g) => infotextFor(ctx, core, g.index))
  const pngs = await Promise.all(
    generated.map((g, i) => encodePng(g.image, { parameters: infotexts[i] ?? '' })),
  )
  let indexOfFirstImage = 0
  const withGrid =
    opts.saveImages &&
    ctx.settings.bool('return_grid', core.overrides) &&
    (generated.length >= 2 || !ctx.settings.bool('grid_only_if_multiple', core.overrides))
  if (withGrid) {
    const gridText = infotextFor(ctx, core, 0)
    const grid = await composeGrid(
      generated.map((g) => g.image),
      ctx.settings.number('n_rows', core.overrides),
      core.batchSize,
    )
    pngs.unshift(await encodePng(grid, { parameters: gridText }))
    infotexts.unshift(gridText)
    indexOfFirstImage = 1
  }
  const all = [...pngs, ...opts.maps]
  return {
    images: opts.sendImages ? all.map((b) => b.toString('base64')) : [],
    info: infoString(ctx, core, infotexts, indexOfFirstImage),
  }
}
