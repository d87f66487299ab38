import { type Static, Type } from 'typebox'
import { requestBounds as b } from './request-bounds.js'

/**
 * What we send to A1111 (a1111-api.md §2). Every field is optional on the wire; A1111 fills
 * its own defaults. Fields A1111 ignores (sd_model, outpath_*, ...) are left out.
 */
const common = {
  prompt: Type.Optional(Type.String()),
  negative_prompt: Type.Optional(Type.String()),
  styles: Type.Optional(Type.Array(Type.String())),
  seed: Type.Optional(Type.Integer()),
  subseed: Type.Optional(Type.Integer()),
  subseed_strength: Type.Optional(Type.Number(b.subseed_strength)),
  seed_resize_from_h: Type.Optional(Type.Integer()),
  seed_resize_from_w: Type.Optional(Type.Integer()),
  sampler_name: Type.Optional(Type.String()),
  sampler_index: Type.Optional(Type.String()),
  scheduler: Type.Optional(Type.String()),
  batch_size: Type.Optional(Type.Integer(b.batch_size)),
  n_iter: Type.Optional(Type.Integer(b.n_iter)),
  steps: Type.Optional(Type.Integer(b.steps)),
  cfg_scale: Type.Optional(Type.Number(b.cfg_scale)),
  width: Type.Optional(Type.Integer(b.width)),
  height: Type.Optional(Type.Integer(b.height)),
  restore_faces: Type.Optional(Type.Boolean()),
  tiling: Type.Optional(Type.Boolean()),
  do_not_save_samples: Type.Optional(Type.Boolean()),
  do_not_save_grid: Type.Optional(Type.Boolean()),
  eta: Type.Optional(Type.Number()),
  denoising_strength: Type.Optional(Type.Number(b.denoising_strength)),
  s_min_uncond: Type.Optional(Type.Number()),
  s_churn: Type.Optional(Type.Number()),
  s_tmax: Type.Optional(Type.Number()),
  s_tmin: Type.Optional(Type.Number()),
  s_noise: Type.Optional(Type.Number()),
  override_settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  override_settings_restore_afterwards: Type.Optional(Type.Boolean()),
  refiner_checkpoint: Type.Optional(Type.String()),
  refiner_switch_at: Type.Optional(Type.Number()),
  disable_extra_networks: Type.Optional(Type.Boolean()),
  comments: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  script_name: Type.Optional(Type.String()),
  script_args: Type.Optional(Type.Array(Type.Unknown())),
  alwayson_scripts: Type.Optional(
    Type.Record(Type.String(), Type.Object({ args: Type.Array(Type.Unknown()) })),
  ),
  send_images: Type.Optional(Type.Boolean()),
  save_images: Type.Optional(Type.Boolean()),
  force_task_id: Type.Optional(Type.String()),
  infotext: Type.Optional(Type.String()),
}

export const Txt2ImgRequest = Type.Object({
  ...common,
  enable_hr: Type.Optional(Type.Boolean()),
  hr_scale: Type.Optional(Type.Number(b.hr_scale)),
  hr_upscaler: Type.Optional(Type.String()),
  hr_second_pass_steps: Type.Optional(Type.Integer(b.hr_second_pass_steps)),
  hr_resize_x: Type.Optional(Type.Integer(b.hr_resize_x)),
  hr_resize_y: Type.Optional(Type.Integer(b.hr_resize_y)),
  hr_checkpoint_name: Type.Optional(Type.String()),
  hr_sampler_name: Type.Optional(Type.String()),
  hr_scheduler: Type.Optional(Type.String()),
  hr_prompt: Type.Optional(Type.String()),
  hr_negative_prompt: Type.Optional(Type.String()),
  firstphase_width: Type.Optional(Type.Integer()),
  firstphase_height: Type.Optional(Type.Integer()),
})
export type Txt2ImgRequest = Static<typeof Txt2ImgRequest>

export const Img2ImgRequest = Type.Object({
  ...common,
  init_images: Type.Array(Type.String(), { minItems: 1 }),
  mask: Type.Optional(Type.String()),
  resize_mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
  image_cfg_scale: Type.Optional(Type.Number()),
  mask_blur: Type.Optional(Type.Integer(b.mask_blur)),
  mask_blur_x: Type.Optional(Type.Integer({ minimum: 0 })),
  mask_blur_y: Type.Optional(Type.Integer({ minimum: 0 })),
  mask_round: Type.Optional(Type.Boolean()),
  inpainting_fill: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
  inpaint_full_res: Type.Optional(Type.Boolean()),
  inpaint_full_res_padding: Type.Optional(Type.Integer(b.inpaint_full_res_padding)),
  inpainting_mask_invert: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
  initial_noise_multiplier: Type.Optional(Type.Number()),
  include_init_images: Type.Optional(Type.Boolean()),
})
export type Img2ImgRequest = Static<typeof Img2ImgRequest>

/** POST /sdapi/v1/extra-single-image (a1111-api.md §1.1, ExtrasBaseRequest + image). */
export const ExtraSingleImageRequest = Type.Object({
  image: Type.String(),
  resize_mode: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1)])),
  show_extras_results: Type.Optional(Type.Boolean()),
  gfpgan_visibility: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  codeformer_visibility: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  codeformer_weight: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  upscaling_resize: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  upscaling_resize_w: Type.Optional(Type.Integer({ minimum: 1 })),
  upscaling_resize_h: Type.Optional(Type.Integer({ minimum: 1 })),
  upscaling_crop: Type.Optional(Type.Boolean()),
  upscaler_1: Type.Optional(Type.String()),
  upscaler_2: Type.Optional(Type.String()),
  extras_upscaler_2_visibility: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  upscale_first: Type.Optional(Type.Boolean()),
})
export type ExtraSingleImageRequest = Static<typeof ExtraSingleImageRequest>

/** POST /controlnet/detect (a1111-api.md §6.3). */
export const ControlnetDetectRequest = Type.Object({
  controlnet_module: Type.Optional(Type.String()),
  controlnet_input_images: Type.Array(Type.String(), { minItems: 1 }),
  controlnet_processor_res: Type.Optional(Type.Number()),
  controlnet_threshold_a: Type.Optional(Type.Number()),
  controlnet_threshold_b: Type.Optional(Type.Number()),
  controlnet_masks: Type.Optional(Type.Array(Type.String())),
  low_vram: Type.Optional(Type.Boolean()),
})
export type ControlnetDetectRequest = Static<typeof ControlnetDetectRequest>

/** POST /internal/progress (a1111-api.md §1.2). */
export const InternalProgressRequest = Type.Object({
  id_task: Type.String(),
  id_live_preview: Type.Optional(Type.Integer()),
  live_preview: Type.Optional(Type.Boolean()),
})
export type InternalProgressRequest = Static<typeof InternalProgressRequest>

/** A ControlNet unit as sent inside `alwayson_scripts.controlnet.args` (a1111-api.md §6.2). */
export const ControlNetUnitArgs = Type.Object({
  enabled: Type.Boolean(),
  module: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  weight: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  image: Type.Optional(Type.String()),
  mask: Type.Optional(Type.String()),
  resize_mode: Type.Optional(Type.String()),
  low_vram: Type.Optional(Type.Boolean()),
  processor_res: Type.Optional(Type.Number()),
  threshold_a: Type.Optional(Type.Number()),
  threshold_b: Type.Optional(Type.Number()),
  guidance_start: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  guidance_end: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  pixel_perfect: Type.Optional(Type.Boolean()),
  control_mode: Type.Optional(Type.String()),
  hr_option: Type.Optional(Type.String()),
  save_detected_map: Type.Optional(Type.Boolean()),
})
export type ControlNetUnitArgs = Static<typeof ControlNetUnitArgs>
