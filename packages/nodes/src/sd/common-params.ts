import { requestBounds as b } from '@sdflow/a1111'
import { Type } from 'typebox'

const MAX_SEED = 4294967294

/**
 * Fields txt2img and img2img share, with A1111's names and API defaults (a1111-api.md §2.1) and
 * the bounds of the request schema itself (`requestBounds`), so `extra` meets the same ones.
 */
export const generationParams = {
  prompt: Type.String({ default: '', description: 'what to draw', 'x-widget': 'textarea' }),
  negative_prompt: Type.String({
    default: '',
    description: 'what to avoid',
    'x-widget': 'textarea',
  }),
  steps: Type.Integer({ ...b.steps, default: 50 }),
  sampler_name: Type.String({ default: 'Euler', 'x-catalog': 'samplers' }),
  scheduler: Type.String({ default: 'Automatic', 'x-catalog': 'schedulers' }),
  cfg_scale: Type.Number({ ...b.cfg_scale, default: 7 }),
  seed: Type.Integer({ minimum: -1, maximum: MAX_SEED, default: -1, description: '-1: random' }),
  subseed: Type.Integer({ minimum: -1, maximum: MAX_SEED, default: -1 }),
  subseed_strength: Type.Number({ ...b.subseed_strength, default: 0 }),
  width: Type.Integer({
    ...b.width,
    default: 512,
    description: 'width x height x batch_size within the pixel limit',
  }),
  height: Type.Integer({ ...b.height, default: 512 }),
  batch_size: Type.Integer({
    ...b.batch_size,
    default: 1,
    description: 'images per pass, bounded by the pixel limit',
  }),
  n_iter: Type.Integer({ ...b.n_iter, default: 1, description: 'passes one after another' }),
  restore_faces: Type.Boolean({ default: false }),
  tiling: Type.Boolean({ default: false }),
}

/** What every backend node takes: where it runs and the escape hatches to A1111. */
export const backendParams = {
  checkpoint: Type.String({
    default: '',
    description: 'checkpoint title, name or hash ("" = whatever the backend has loaded)',
    'x-catalog': 'checkpoints',
  }),
  backend: Type.String({
    default: '',
    description: 'run on this backend id only ("" = any backend that has what the node needs)',
    'x-catalog': 'backends',
  }),
  override_settings: Type.Record(Type.String(), Type.Unknown(), {
    default: {},
    description: 'A1111 options for this job only, e.g. {"CLIP_stop_at_last_layers": 2}',
  }),
  extra: Type.Record(Type.String(), Type.Unknown(), {
    default: {},
    description: 'merged into the request last: any A1111 field or alwayson_scripts entry',
  }),
}

export const hiresParams = {
  enable_hr: Type.Boolean({
    default: false,
    description: 'hires fix: a second pass at a larger size',
  }),
  hr_scale: Type.Number({
    ...b.hr_scale,
    default: 2,
    description: 'the target within the pixel limit',
  }),
  hr_upscaler: Type.String({ default: 'Latent', 'x-catalog': 'upscalers' }),
  hr_second_pass_steps: Type.Integer({
    ...b.hr_second_pass_steps,
    default: 0,
    description: '0: same as steps',
  }),
  hr_resize_x: Type.Integer({ ...b.hr_resize_x, default: 0 }),
  hr_resize_y: Type.Integer({ ...b.hr_resize_y, default: 0 }),
  denoising_strength: Type.Number({
    ...b.denoising_strength,
    default: 0.7,
    description:
      "strength of the hires pass, sent only with enable_hr; 0.7 is A1111's UI default (its API has none and fails a hires request without one)",
  }),
}
