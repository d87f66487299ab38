import type { FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../context.js'
import type { JobOptions } from '../generation/txt2img-job.js'
import { SLOW_STEP_FACTOR } from '../hooks.js'
import { parseInfotext } from '../infotext.js'

export function jobOptions(ctx: EmulatorContext, request: FastifyRequest): JobOptions {
  const kind = ctx.requestFaults.get(request)?.kind
  const options: JobOptions = {
    stepMs: ctx.stepMs * (kind === 'slow' ? SLOW_STEP_FACTOR : 1),
    signal: ctx.shutdown,
    log: request.log,
  }
  if (kind === 'freeze') {
    const gone = new AbortController()
    request.raw.socket.once('close', () => gone.abort())
    options.freeze = gone.signal
  }
  // hung on the GPU past the request: the client leaving does not free it, clearing faults does
  if (kind === 'stuck') options.freeze = ctx.faults.cleared
  return options
}

const INFOTEXT_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['Prompt', 'prompt'],
  ['Negative prompt', 'negative_prompt'],
  ['Steps', 'steps'],
  ['Sampler', 'sampler_name'],
  ['Schedule type', 'scheduler'],
  ['CFG scale', 'cfg_scale'],
  ['Seed', 'seed'],
  ['Size-1', 'width'],
  ['Size-2', 'height'],
  ['Denoising strength', 'denoising_strength'],
  ['Variation seed', 'subseed'],
  ['Variation seed strength', 'subseed_strength'],
  ['Hires upscale', 'hr_scale'],
  ['Hires steps', 'hr_second_pass_steps'],
  ['Hires upscaler', 'hr_upscaler'],
]

/** `infotext`: fills every field the request did not send from a parsed infotext. */
export function applyInfotext(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body
  const source: Record<string, unknown> = { ...body }
  const text = source.infotext
  if (typeof text !== 'string' || text.trim() === '') return body
  const parsed = parseInfotext(text)
  for (const [key, fieldName] of INFOTEXT_FIELDS) {
    if (source[fieldName] !== undefined || parsed[key] === undefined) continue
    source[fieldName] = parsed[key]
  }
  return source
}
