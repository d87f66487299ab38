import { field, type Parsed } from './fields.js'

/** How an echo of these models holds its floats (the A1111 face echoes through them too). */
export { withPyFloats } from './fields.js'

/** Fields shared by txt2img and img2img (A1 `StableDiffusionProcessing` + API extras). */
export const commonModel = {
  prompt: field.str(''),
  negative_prompt: field.str(''),
  styles: field.strList(null),
  seed: field.int(-1),
  subseed: field.int(-1),
  subseed_strength: field.float(0),
  seed_resize_from_h: field.int(-1),
  seed_resize_from_w: field.int(-1),
  sampler_name: field.str(null),
  scheduler: field.str(null),
  batch_size: field.int(1),
  n_iter: field.int(1),
  steps: field.int(50),
  cfg_scale: field.float(7.0),
  width: field.int(512),
  height: field.int(512),
  restore_faces: field.bool(null),
  tiling: field.bool(null),
  do_not_save_samples: field.bool(false),
  do_not_save_grid: field.bool(false),
  eta: field.float(null),
  denoising_strength: field.float(null),
  s_min_uncond: field.float(null),
  s_churn: field.float(null),
  s_tmax: field.float(null),
  s_tmin: field.float(null),
  s_noise: field.float(null),
  override_settings: field.dict(null),
  override_settings_restore_afterwards: field.bool(true),
  refiner_checkpoint: field.str(null),
  refiner_switch_at: field.float(null),
  disable_extra_networks: field.bool(false),
  firstpass_image: field.str(null),
  comments: field.dict(null),
}

export const apiExtrasModel = {
  sampler_index: field.str('Euler'),
  script_name: field.str(null),
  script_args: field.list([]),
  send_images: field.bool(true),
  save_images: field.bool(false),
  alwayson_scripts: field.dict({}),
  force_task_id: field.str(null),
  infotext: field.str(null),
}

export const txt2imgModel = {
  ...commonModel,
  enable_hr: field.bool(false),
  firstphase_width: field.int(0),
  firstphase_height: field.int(0),
  hr_scale: field.float(2.0),
  hr_upscaler: field.str(null),
  hr_second_pass_steps: field.int(0),
  hr_resize_x: field.int(0),
  hr_resize_y: field.int(0),
  hr_checkpoint_name: field.str(null),
  hr_sampler_name: field.str(null),
  hr_scheduler: field.str(null),
  hr_prompt: field.str(''),
  hr_negative_prompt: field.str(''),
  ...apiExtrasModel,
}

export const img2imgModel = {
  ...commonModel,
  init_images: field.list(null),
  resize_mode: field.int(0),
  image_cfg_scale: field.float(null),
  mask: field.str(null),
  mask_blur_x: field.int(4),
  mask_blur_y: field.int(4),
  mask_blur: field.int(null),
  mask_round: field.bool(true),
  inpainting_fill: field.int(0),
  inpaint_full_res: field.bool(true),
  inpaint_full_res_padding: field.int(0),
  inpainting_mask_invert: field.int(0),
  initial_noise_multiplier: field.float(null),
  latent_mask: field.str(null),
  ...apiExtrasModel,
  denoising_strength: field.float(0.75),
  include_init_images: field.bool(false),
}

const extrasBase = {
  resize_mode: field.int(0),
  show_extras_results: field.bool(true),
  gfpgan_visibility: field.float(0),
  codeformer_visibility: field.float(0),
  codeformer_weight: field.float(0),
  upscaling_resize: field.float(2),
  upscaling_resize_w: field.int(512),
  upscaling_resize_h: field.int(512),
  upscaling_crop: field.bool(true),
  upscaler_1: field.str('None'),
  upscaler_2: field.str('None'),
  extras_upscaler_2_visibility: field.float(0),
  upscale_first: field.bool(false),
}

export const extrasSingleModel = { ...extrasBase, image: field.str('') }
export const extrasBatchModel = { ...extrasBase, imageList: field.list(null) }

export type CommonRequest = Parsed<typeof commonModel> & Parsed<typeof apiExtrasModel>
export type Txt2ImgRequest = Parsed<typeof txt2imgModel>
export type Img2ImgRequest = Parsed<typeof img2imgModel>
