import { Type } from 'typebox'

const MAX_SEED = 4294967294

/** Fields txt2img and img2img share, with A1111's names and API defaults (a1111-api.md §2.1). */
export const generationParams = {
  prompt: Type.String({ default: '', description: 'what to draw', 'x-widget': 'textarea' }),
  negative_prompt: Type.String({
    default: '',
    description: 'what to avoid',
    'x-widget': 'textarea',
  }),
  steps: Type.Integer({ minimum: 1, maximum: 150, default: 50 }),
  sampler_name: Type.String({ default: 'Euler', 'x-catalog': 'samplers' }),
  scheduler: Type.String({ default: 'Automatic', 'x-catalog': 'schedulers' }),
  cfg_scale: Type.Number({ minimum: 1, maximum: 30, default: 7 }),
  seed: Type.Integer({ minimum: -1, maximum: MAX_SEED, default: -1, description: '-1: random' }),
  subseed: Type.Integer({ minimum: -1, maximum: MAX_SEED, default: -1 }),
  subseed_strength: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  width: Type.Integer({ minimum: 64, maximum: 4096, default: 512 }),
  height: Type.Integer({ minimum: 64, maximum: 4096, default: 512 }),
  batch_size: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),
  n_iter: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
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
  hr_scale: Type.Number({ minimum: 1, maximum: 4, default: 2 }),
  hr_upscaler: Type.String({ default: 'Latent', 'x-catalog': 'upscalers' }),
  hr_second_pass_steps: Type.Integer({
    minimum: 0,
    maximum: 150,
    default: 0,
    description: '0: same as steps',
  }),
  hr_resize_x: Type.Integer({ minimum: 0, maximum: 8192, default: 0 }),
  hr_resize_y: Type.Integer({ minimum: 0, maximum: 8192, default: 0 }),
  denoising_strength: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.7,
    description: 'strength of the hires pass (sent only with enable_hr)',
  }),
}
