import type { FastifyBaseLogger } from 'fastify'
import { pythonException } from '../api-error.js'
import { findCheckpoint, findUpscaler, latentUpscaleModes } from '../catalog.js'
import type { EmulatorContext } from '../context.js'
import { prepareControlNet } from '../controlnet.js'
import { parseControlNetUnits } from '../controlnet-units.js'
import { encodePng, floor8 } from '../image-io.js'
import { degrade, type RawImage, renderPicture } from '../picture.js'
import { pyFloat } from '../py-format.js'
import type { Txt2ImgRequest } from '../request-models.js'
import { findSamplerExact } from '../sampler-resolution.js'
import {
  assemble,
  type Core,
  type GeneratedImage,
  num,
  persistOverrides,
  resolveCore,
  samplerExtras,
} from './core.js'
import { pictureSeed } from './picture-seed.js'
import { runIterations } from './sampling.js'

export interface JobOptions {
  stepMs: number
  signal: AbortSignal
  log: FastifyBaseLogger
  /** A `freeze` fault: stop moving half way until this aborts. */
  freeze?: AbortSignal
}

interface Hires {
  width: number
  height: number
  steps: number
}

/** txt2img hires-fix checks (A1 `StableDiffusionProcessingTxt2Img.init`) and target size. */
function resolveHires(req: Txt2ImgRequest, core: Core): Hires | null {
  if (!req.enable_hr) return null
  const upscaler = req.hr_upscaler
  if (upscaler !== null && !latentUpscaleModes.includes(upscaler) && !findUpscaler(upscaler)) {
    throw pythonException('Exception', `could not find upscaler named ${upscaler}`)
  }
  if (req.hr_sampler_name !== null && !findSamplerExact(req.hr_sampler_name)) {
    throw pythonException('AssertionError', `bad sampler name: ${req.hr_sampler_name}`)
  }
  const ckpt = req.hr_checkpoint_name
  if (ckpt && ckpt !== 'Use same checkpoint' && !findCheckpoint(ckpt)) {
    throw pythonException('Exception', `Could not find checkpoint with name ${ckpt}`)
  }
  if (req.denoising_strength === null) {
    throw pythonException(
      'TypeError',
      "'<' not supported between instances of 'float' and 'NoneType'",
    )
  }
  const x = num(req.hr_resize_x, 0)
  const y = num(req.hr_resize_y, 0)
  const scale = num(req.hr_scale, 2)
  let width: number
  let height: number
  if (x === 0 && y === 0) {
    width = Math.trunc(core.width * scale)
    height = Math.trunc(core.height * scale)
  } else if (y === 0) {
    width = x
    height = Math.floor((x * core.height) / core.width)
  } else if (x === 0) {
    width = Math.floor((y * core.width) / core.height)
    height = y
  } else {
    width = x
    height = y
  }
  const second = num(req.hr_second_pass_steps, 0)
  return { width, height, steps: second > 0 ? second : core.steps }
}

function hiresExtras(req: Txt2ImgRequest, core: Core): void {
  core.extra.push(['Denoising strength', pyFloat(req.denoising_strength ?? 0)])
  if (req.hr_checkpoint_name && req.hr_checkpoint_name !== 'Use same checkpoint') {
    core.extra.push(['Hires checkpoint', req.hr_checkpoint_name])
  }
  if (req.hr_sampler_name !== null && req.hr_sampler_name !== core.sampler.sampler.name) {
    core.extra.push(['Hires sampler', req.hr_sampler_name])
  }
  if (req.hr_prompt && req.hr_prompt !== core.prompt)
    core.extra.push(['Hires prompt', req.hr_prompt])
  if (req.hr_negative_prompt && req.hr_negative_prompt !== core.negativePrompt) {
    core.extra.push(['Hires negative prompt', req.hr_negative_prompt])
  }
  if (req.hr_scheduler) core.extra.push(['Hires schedule type', req.hr_scheduler])
  const x = num(req.hr_resize_x, 0)
  const y = num(req.hr_resize_y, 0)
  if (x === 0 && y === 0) core.extra.push(['Hires upscale', pyFloat(num(req.hr_scale, 2))])
  else core.extra.push(['Hires resize', `${x}x${y}`])
  if (num(req.hr_second_pass_steps, 0) > 0)
    core.extra.push(['Hires steps', num(req.hr_second_pass_steps, 0)])
  if (req.hr_upscaler !== null) core.extra.push(['Hires upscaler', req.hr_upscaler])
}

export async function preview(core: Core, k: number, w: number, h: number, fraction: number) {
  const spec = {
    prompt: core.prompt,
    seed: pictureSeed(core, k),
    width: Math.max(8, Math.floor(w / 2)),
    height: Math.max(8, Math.floor(h / 2)),
  }
  return encodePng(degrade(renderPicture(spec), fraction, spec.seed))
}

/** Runs a txt2img job; the caller holds the lock (see `runLocked`). */
export async function runTxt2img(ctx: EmulatorContext, req: Txt2ImgRequest, opts: JobOptions) {
  let width = num(req.width, 512)
  let height = num(req.height, 512)
  const firstW = num(req.firstphase_width, 0)
  const firstH = num(req.firstphase_height, 0)
  const legacyTarget = req.enable_hr && (firstW !== 0 || firstH !== 0) ? { width, height } : null
  if (legacyTarget) {
    width = firstW || width
    height = firstH || height
  }
  const core = resolveCore(ctx, { ...req, width, height }, Math.max(1, num(req.batch_size, 1)))
  let hires = resolveHires(req, core)
  if (hires && legacyTarget) hires = { ...hires, ...legacyTarget }
  const units = parseControlNetUnits(
    req.alwayson_scripts,
    ctx.settings.number('control_net_unit_count'),
  )
  const cn = await prepareControlNet(units, {
    width: core.width,
    height: core.height,
    fallbackImage: null,
    decode: {
      allowRequests: ctx.settings.bool('api_enable_requests'),
      forbidLocal: ctx.settings.bool('api_forbid_local_requests'),
      signal: opts.signal,
    },
    saveMaps: !ctx.settings.bool('control_net_no_detectmap'),
    log: opts.log,
  })
  if (cn) core.extra.push(...cn.infotext)
  if (hires) hiresExtras(req, core)
  core.extra.push(['Schedule type', core.sampler.scheduleType])
  samplerExtras(ctx, core, req.eta)

  const base = { width: floor8(core.width), height: floor8(core.height) }
  const final = hires ? { width: floor8(hires.width), height: floor8(hires.height) } : base
  const generated: GeneratedImage[] = []
  await runIterations(ctx, {
    nIter: core.nIter,
    passes: hires ? [core.steps, hires.steps] : [core.steps],
    stepMs: opts.stepMs,
    signal: opts.signal,
    freeze: opts.freeze,
    preview: (n, pass, fraction) => {
      const size = pass === 1 ? final : base
      return preview(core, n * core.batchSize, size.width, size.height, fraction)
    },
    async produce(n, result) {
      const size = result.pass === 1 ? final : base
      const quality = result.pass === 1 ? 0.7 + 0.3 * result.fraction : result.fraction
      for (let b = 0; b < core.batchSize; b++) {
        const k = n * core.batchSize + b
        const seed = pictureSeed(core, k)
        let image: RawImage = renderPicture({ prompt: core.prompt, seed, ...size })
        if (cn) image = await cn.apply(image, result.pass === 1)
        generated.push({ image: degrade(image, quality, seed), index: k })
      }
    },
  })
  persistOverrides(ctx, req)
  const maps = cn ? await cn.detectedMaps(hires ? final : null) : []
  return assemble(ctx, core, generated, {
    saveImages: req.save_images === true,
    sendImages: req.send_images !== false,
    maps,
  })
}
