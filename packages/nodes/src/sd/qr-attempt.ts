import type { GenerationResult, Img2ImgInput, Txt2ImgInput } from '@sdflow/a1111'
import type { NodeContext } from '@sdflow/engine'
import type { ControlNetUnit, ImageRef } from '@sdflow/protocol'
import { type ScanResult, verifyStoredQr } from '../image/verify-qr.js'
import { needsOf, onBackend } from './dispatch.js'
import { generationRequest } from './generation-check.js'
import type { Level } from './qr-search.js'
import { unitsOf } from './request.js'
import type { NodeServices } from './services.js'
import { hiresOnly } from './txt2img.js'

/** The txt2img params of sd.qr-illusion, as sd.txt2img takes them (minus the seed). */
/**
 * Fields a candidate's request leaves out: the hires fix when it is off, and always for an
 * img2img candidate (init picture), which has none.
 */
export function candidateOmits(img2img: boolean, enableHr: boolean): readonly string[] {
  if (img2img) return [...hiresOnly, 'enable_hr']
  return enableHr ? [] : hiresOnly
}

export interface GenerationFields {
  checkpoint: string
  backend: string
  extra: Record<string, unknown>
  override_settings: Record<string, unknown>
  enable_hr: boolean
  hr_upscaler: string
  sampler_name: string
  scheduler: string
  [field: string]: unknown
}

/** What one candidate did, as listed in the node's report. */
export interface AttemptRecord {
  attempt: number
  round: number
  weight: number
  guidance_start: number
  guidance_end: number
  strength: number
  /** img2img mode only: the denoising strength used with this control level. */
  denoising?: number
  seed: number
  backend: string
  score: number
  ok: boolean
  text: string
  gpuMs: number
  queueMs: number
  ms: number
}

export interface AttemptOutcome {
  record: AttemptRecord
  image: ImageRef
  result: GenerationResult
  scan: ScanResult
  tries: number
}

type Ctx = NodeContext<{ backend: string }, unknown, NodeServices>

/**
 * Generate one candidate and scan it. It runs under a context of its own so that the pool
 * sees a task id per candidate and the dispatch tally of one candidate does not overwrite
 * another's; the node sums the times itself.
 */
export async function runAttempt(
  ctx: Ctx,
  job: {
    attempt: number
    round: number
    level: Level
    seed: number
    fields: GenerationFields
    unit: Omit<ControlNetUnit, 'weight' | 'guidance_start' | 'guidance_end'>
    expected: string
    minScore: number
    /** img2img mode: the init image and the denoising strength for this level. */
    init?: { image: ImageRef; denoising: number }
  },
): Promise<AttemptOutcome> {
  const { fields, level } = job
  let backend = ''
  let gpuMs = 0
  let tries = 0
  let started: number | undefined
  const sub: Ctx = {
    ...ctx,
    nodeId: `${ctx.nodeId}-${job.attempt}`,
    useBackend: (id) => {
      backend = id
      ctx.useBackend(id)
    },
    annotate: () => {},
    progress: () => {},
  }
  const request = generationRequest(
    { ...fields, seed: job.seed },
    candidateOmits(job.init !== undefined, fields.enable_hr),
  )
  const unit: ControlNetUnit = {
    ...job.unit,
    weight: level.weight,
    guidance_start: level.guidance_start,
    guidance_end: level.guidance_end,
  }
  const controlnet = unitsOf([unit])
  const init = job.init
  const needs = {
    operation: init ? ('img2img' as const) : ('txt2img' as const),
    ...needsOf(fields),
    upscalers: fields.enable_hr && !init ? [fields.hr_upscaler] : [],
    controlnetModels: [unit.model],
    controlnetModules: [unit.module],
  }
  const began = performance.now()
  const result = await onBackend(sub, needs, async (client, signal, taskId) => {
    const t = performance.now()
    started ??= t
    tries++
    try {
      const call = { artifacts: ctx.artifacts, signal, taskId }
      if (!init) return await client.txt2img({ ...request, controlnet } as Txt2ImgInput, call)
      const input = {
        ...request,
        init_images: [init.image],
        denoising_strength: init.denoising,
        controlnet,
      } as Img2ImgInput
      return await client.img2img(input, call)
    } finally {
      gpuMs += performance.now() - t
    }
  })
  const [image] = result.images
  if (!image) throw new Error('the backend returned no image')
  const scan = await verifyStoredQr(ctx.artifacts, image, {
    expected: job.expected,
    minScore: job.minScore,
    signal: ctx.signal,
  })
  const record: AttemptRecord = {
    attempt: job.attempt,
    round: job.round,
    ...level,
    ...(init ? { denoising: init.denoising } : {}),
    seed: result.seeds[0] ?? job.seed,
    backend,
    score: scan.score,
    ok: scan.ok,
    text: scan.text,
    gpuMs: Math.round(gpuMs),
    queueMs: Math.round((started ?? began) - began),
    ms: Math.round(performance.now() - began),
  }
  return { record, image, result, scan, tries }
}
