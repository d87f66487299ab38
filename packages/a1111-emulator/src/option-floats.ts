import { withFloats } from './py-format.js'

/**
 * Options whose A1111 default is a Python float (`OptionInfo(4.0, ...)` in shared_options.py
 * and the built-in extensions): A1111 writes them `4.0`, JavaScript's numbers cannot tell. The
 * float literals of default-options.ts and extension-options.ts, checked by a test.
 */
export const floatOptions: ReadonlySet<string> = new Set([
  'beta_dist_alpha',
  'beta_dist_beta',
  'code_former_weight',
  'eta_ancestral',
  'eta_ddim',
  'extra_networks_card_text_scale',
  'extra_networks_default_multiplier',
  'img2img_extra_noise',
  'img_downscale_threshold',
  'initial_noise_multiplier',
  'inpainting_mask_weight',
  'interrogate_deepbooru_score_threshold',
  'keyedit_precision_attention',
  'keyedit_precision_extra',
  'rho',
  's_churn',
  's_min_uncond',
  's_noise',
  's_tmax',
  's_tmin',
  'sd_webui_modal_lightbox_toolbar_opacity',
  'sdxl_refiner_high_aesthetic_score',
  'sdxl_refiner_low_aesthetic_score',
  'sigma_max',
  'sigma_min',
  'skip_early_cond',
  'token_merging_ratio',
  'token_merging_ratio_hr',
  'token_merging_ratio_img2img',
])

/** A copy of an options object with its float options as Python floats (send with fastapiJson). */
export function withFloatOptions(
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return withFloats(values, floatOptions)
}
