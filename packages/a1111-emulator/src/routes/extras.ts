import type { FastifyInstance } from 'fastify'
import { sleep } from '../abortable.js'
import { type PydanticIssue, validationError } from '../api-error.js'
import type { EmulatorContext } from '../context.js'
import { type Parsed, parseModel, requireField } from '../fields.js'
import { runLocked } from '../generation/run-locked.js'
import { type DecodeOptions, decodeInputBytes } from '../image-io.js'
import { nextJob } from '../progress-state.js'
import { extrasBatchModel, extrasSingleModel } from '../request-models.js'
import { checkUpscalers, htmlInfo, type UpscaleRequest, upscaleImage } from '../upscale.js'
import { jobOptions } from './job-options.js'

type ExtrasBase = Parsed<typeof extrasSingleModel>

/** Field constraints of `ExtrasBaseRequest` (422 like pydantic). */
function checkRanges(req: Omit<ExtrasBase, 'image'>): UpscaleRequest {
  const issues: PydanticIssue[] = []
  const between = (key: keyof ExtrasBase, v: number | null, min: number, max: number) => {
    if (v === null) return
    if (v < min) {
      issues.push({
        loc: ['body', key],
        msg: `ensure this value is greater than or equal to ${min}`,
        type: 'value_error.number.not_ge',
      })
    } else if (v > max) {
      issues.push({
        loc: ['body', key],
        msg: `ensure this value is less than or equal to ${max}`,
        type: 'value_error.number.not_le',
      })
    }
  }
  if (req.resize_mode !== null && req.resize_mode !== 0 && req.resize_mode !== 1) {
    issues.push({
      loc: ['body', 'resize_mode'],
      msg: 'unexpected value; permitted: 0, 1',
      type: 'value_error.const',
    })
  }
  between('gfpgan_visibility', req.gfpgan_visibility, 0, 1)
  between('codeformer_visibility', req.codeformer_visibility, 0, 1)
  between('codeformer_weight', req.codeformer_weight, 0, 1)
  between('extras_upscaler_2_visibility', req.extras_upscaler_2_visibility, 0, 1)
  if (req.upscaling_resize !== null && req.upscaling_resize <= 0) {
    issues.push({
      loc: ['body', 'upscaling_resize'],
      msg: 'ensure this value is greater than 0',
      type: 'value_error.number.not_gt',
    })
  }
  between('upscaling_resize_w', req.upscaling_resize_w, 1, Number.POSITIVE_INFINITY)
  between('upscaling_resize_h', req.upscaling_resize_h, 1, Number.POSITIVE_INFINITY)
  if (issues.length > 0) throw validationError(issues)
  return {
    resizeMode: req.resize_mode ?? 0,
    upscalingResize: req.upscaling_resize ?? 2,
    upscalingResizeW: req.upscaling_resize_w ?? 512,
    upscalingResizeH: req.upscaling_resize_h ?? 512,
    upscalingCrop: req.upscaling_crop !== false,
    upscaler1: req.upscaler_1 ?? 'None',
    upscaler2: req.upscaler_2 ?? 'None',
    upscaler2Visibility: req.extras_upscaler_2_visibility ?? 0,
  }
}

/** Runs `run_postprocessing` on each image under the lock, one emulated step per image. */
async function runExtras(
  ctx: EmulatorContext,
  inputs: unknown[],
  up: UpscaleRequest,
  stepMs: number,
) {
  return runLocked(ctx, { taskId: null, jobName: 'extras' }, async () => {
    checkUpscalers(up)
    const decode: DecodeOptions = {
      allowRequests: ctx.settings.bool('api_enable_requests'),
      forbidLocal: ctx.settings.bool('api_forbid_local_requests'),
      signal: ctx.shutdown,
    }
    ctx.progress.job_count = inputs.length
    const out: { png: Buffer; infotext: string }[] = []
    for (const input of inputs) {
      const bytes = await decodeInputBytes(input, decode)
      ctx.progress.sampling_steps = 1
      await sleep(stepMs, ctx.shutdown)
      out.push(await upscaleImage(bytes, up))
      nextJob(ctx.progress)
    }
    return out
  })
}

export function extrasRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/sdapi/v1/extra-single-image', async (request) => {
    const req = parseModel(request.body, extrasSingleModel)
    const up = checkRanges(req)
    const [result] = await runExtras(ctx, [req.image ?? ''], up, jobOptions(ctx, request).stepMs)
    ctx.stats.completed('/sdapi/v1/extra-single-image')
    return {
      html_info: htmlInfo(result?.infotext ?? ''),
      image: result?.png.toString('base64') ?? '',
    }
  })

  app.post('/sdapi/v1/extra-batch-images', async (request) => {
    requireField(request.body, 'imageList')
    const req = parseModel(request.body, extrasBatchModel)
    const up = checkRanges(req)
    const list = req.imageList ?? []
    const inputs = list.map((item) =>
      typeof item === 'object' && item !== null && 'data' in item ? item.data : item,
    )
    const results = await runExtras(ctx, inputs, up, jobOptions(ctx, request).stepMs)
    ctx.stats.completed('/sdapi/v1/extra-batch-images')
    const last = results[results.length - 1]
    return {
      html_info: htmlInfo(last?.infotext ?? ''),
      images: results.map((r) => r.png.toString('base64')),
    }
  })
}
