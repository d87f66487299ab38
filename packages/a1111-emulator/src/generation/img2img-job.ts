import { pythonException } from '../api-error.js'
import type { EmulatorContext } from '../context.js'
import { prepareControlNet } from '../controlnet.js'
import { parseControlNetUnits } from '../controlnet-units.js'
import {
  type DecodeOptions,
  decodeInputBytes,
  floor8,
  type RawGrey,
  toMaskGrey,
  toRgb,
} from '../image-io.js'
import {
  blend,
  compositeMasked,
  cropRaw,
  cropRegion,
  expandRegion,
  processMask,
  type Region,
  resizeGrey,
} from '../inpaint.js'
import { degrade, type RawImage, renderPicture } from '../picture.js'
import { pyFloat } from '../py-format.js'
import type { Img2ImgRequest } from '../request-models.js'
import { resizeModeFromA1, resizeRaw } from '../resize.js'
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
import { type JobOptions, preview } from './txt2img-job.js'

const MASKED_CONTENT = ['fill', 'original', 'latent noise', 'latent nothing']
const GREY_FIT = {
  'just-resize': 'fill',
  'crop-and-resize': 'cover',
  'resize-and-fill': 'contain',
} as const

interface MaskPlan {
  /** Processed mask at the size of the picture it is applied to. */
  mask: RawGrey
  /** "Only masked": region of the init image that is regenerated and pasted back. */
  region: Region | null
}

function maskExtras(req: Img2ImgRequest, core: Core, plan: MaskPlan, blur: number): void {
  if (blur > 0) core.extra.push(['Mask blur', blur])
  if (num(req.inpainting_mask_invert, 0) !== 0) core.extra.push(['Mask mode', 'Inpaint not masked'])
  if (plan.region) {
    core.extra.push(['Inpaint area', 'Only masked'])
    core.extra.push(['Masked area padding', num(req.inpaint_full_res_padding, 0)])
  }
  const fill = num(req.inpainting_fill, 0)
  if (fill !== 1) core.extra.push(['Masked content', MASKED_CONTENT[fill] ?? 'fill'])
}

/** Runs an img2img job (inpainting when `mask` is set); the caller holds the lock. */
export async function runImg2img(ctx: EmulatorContext, req: Img2ImgRequest, opts: JobOptions) {
  const decode: DecodeOptions = {
    allowRequests: ctx.settings.bool('api_enable_requests'),
    forbidLocal: ctx.settings.bool('api_forbid_local_requests'),
    signal: opts.signal,
  }
  const initList = req.init_images ?? []
  const inits: RawImage[] = []
  for (const item of initList) inits.push(await toRgb(await decodeInputBytes(item, decode)))
  let batchSize = Math.max(1, num(req.batch_size, 1))
  if (inits.length > batchSize) {
    throw pythonException(
      'RuntimeError',
      `bad number of images passed: ${inits.length}; expecting ${batchSize} or less`,
    )
  }
  if (inits.length > 1) batchSize = inits.length
  const core = resolveCore(ctx, req, batchSize)
  const denoising = num(req.denoising_strength, 0.75)
  core.denoising = denoising
  const mode = resizeModeFromA1(num(req.resize_mode, 0))
  const w = floor8(core.width)
  const h = floor8(core.height)

  const units = parseControlNetUnits(
    req.alwayson_scripts,
    ctx.settings.number('control_net_unit_count'),
  )
  const first = initList[0]
  const cn = await prepareControlNet(units, {
    width: core.width,
    height: core.height,
    fallbackImage: typeof first === 'string' ? first : null,
    decode,
    saveMaps: !ctx.settings.bool('control_net_no_detectmap'),
    log: opts.log,
  })
  if (cn) core.extra.push(...cn.infotext)
  core.extra.push(['Denoising strength', pyFloat(denoising)])

  let maskPlan: MaskPlan | null = null
  const blurX = req.mask_blur ?? num(req.mask_blur_x, 4)
  const blurY = req.mask_blur ?? num(req.mask_blur_y, 4)
  const initSize = inits[0] ?? { width: w, height: h }
  if (req.mask !== null) {
    const raw = await toMaskGrey(await decodeInputBytes(req.mask, decode))
    const fullRes = req.inpaint_full_res !== false
    const atInit = await resizeGrey(raw, initSize.width, initSize.height, 'fill')
    const options = {
      round: req.mask_round !== false,
      invert: num(req.inpainting_mask_invert, 0) !== 0,
      blurX,
      blurY,
    }
    const crop = fullRes
      ? cropRegion(await processMask(atInit, options), num(req.inpaint_full_res_padding, 0))
      : null
    if (crop) {
      const region = expandRegion(crop, w, h, initSize.width, initSize.height)
      maskPlan = { mask: await processMask(atInit, options), region }
    } else {
      const atTarget = await resizeGrey(raw, w, h, GREY_FIT[mode])
      maskPlan = { mask: await processMask(atTarget, options), region: null }
    }
    maskExtras(req, core, maskPlan, Math.max(blurX, blurY))
  }
  core.extra.push(['Schedule type', core.sampler.scheduleType])
  samplerExtras(ctx, core, req.eta)

  const steps = ctx.settings.bool('img2img_fix_steps', core.overrides)
    ? core.steps
    : Math.trunc(Math.min(denoising, 0.999) * core.steps) + 1
  const generated: GeneratedImage[] = []
  await runIterations(ctx, {
    nIter: core.nIter,
    passes: [steps],
    stepMs: opts.stepMs,
    signal: opts.signal,
    freeze: opts.freeze,
    preview: (n, _pass, fraction) => preview(core, n * core.batchSize, w, h, fraction),
    async produce(n, result) {
      for (let b = 0; b < core.batchSize; b++) {
        const k = n * core.batchSize + b
        const seed = pictureSeed(core, k)
        const init = inits[inits.length === 1 ? 0 : b] ?? inits[0]
        if (!init) continue
        let picture: RawImage = renderPicture({ prompt: core.prompt, seed, width: w, height: h })
        if (cn) picture = await cn.apply(picture, false)
        picture = degrade(picture, result.fraction, seed)
        let out: RawImage
        const region = maskPlan?.region
        if (maskPlan && region) {
          const rw = region.x2 - region.x1
          const rh = region.y2 - region.y1
          const patchGen = await resizeRaw(picture, rw, rh, 'just-resize')
          const patch = blend(await cropRaw(init, region), patchGen, denoising)
          out = compositeMasked(init, patch, region.x1, region.y1, maskPlan.mask)
        } else {
          // A1 `apply_overlay`: the overlay was cut at width x height, the sample is floored to
          // /8, and PIL's alpha_composite refuses two sizes (processing.py, v1.10.1)
          if (
            maskPlan &&
            req.inpaint_full_res === false &&
            (w !== core.width || h !== core.height)
          ) {
            throw pythonException('ValueError', 'images do not match')
          }
          const base = await resizeRaw(init, w, h, mode)
          const mixed = blend(base, picture, denoising)
          out = maskPlan ? compositeMasked(base, mixed, 0, 0, maskPlan.mask) : mixed
        }
        generated.push({ image: out, index: k })
      }
    },
  })
  persistOverrides(ctx, req)
  const maps = cn ? await cn.detectedMaps(null) : []
  return assemble(ctx, core, generated, {
    saveImages: req.save_images === true,
    sendImages: req.send_images !== false,
    maps,
  })
}
