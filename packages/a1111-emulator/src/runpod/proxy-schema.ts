/**
 * The payload checks of ashleykleynhans/runpod-worker-a1111 (its schemas, run through runpod's
 * rp_validator; a1111-api.md §8), as data: the routes it proxies, each txt2img/img2img field's
 * Python type, the required fields, the constrained values and the defaults it adds.
 */
type PyType = 'str' | 'int' | 'float' | 'bool' | 'list' | 'dict'

export const proxyEndpoints = new Set([
  'sdapi/v1/txt2img',
  'sdapi/v1/img2img',
  'sdapi/v1/interrogate',
  'sdapi/v1/options',
  'sdapi/v1/samplers',
  'sdapi/v1/schedulers',
  'sdapi/v1/upscalers',
  'sdapi/v1/latent-upscale-modes',
  'sdapi/v1/sd-models',
  'sdapi/v1/sd-vae',
  'sdapi/v1/hypernetworks',
  'sdapi/v1/face-restorers',
  'sdapi/v1/realesrgan-models',
  'sdapi/v1/prompt-styles',
  'sdapi/v1/embeddings',
  'sdapi/v1/refresh-embeddings',
  'sdapi/v1/refresh-checkpoints',
  'sdapi/v1/refresh-vae',
  'sdapi/v1/memory',
  'sdapi/v1/scripts',
  'sdapi/v1/script-info',
  'sdapi/v1/extensions',
  'sdapi/v1/loras',
  'sdapi/v1/refresh-loras',
  'controlnet/model_list',
  'v1/download',
  'v1/sync',
])

const fields = (spec: string): Record<string, PyType> =>
  Object.fromEntries(
    spec
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split(':') as [string, PyType]),
  )

const common = fields(`
  prompt:str negative_prompt:str styles:list seed:int subseed:int subseed_strength:int
  seed_resize_from_h:int seed_resize_from_w:int sampler_name:str scheduler:str batch_size:int
  n_iter:int steps:int cfg_scale:float width:int height:int restore_faces:bool tiling:bool
  do_not_save_samples:bool do_not_save_grid:bool eta:int denoising_strength:float
  s_min_uncond:int s_churn:int s_tmax:int s_tmin:int s_noise:int override_settings:dict
  override_settings_restore_afterwards:bool refiner_checkpoint:str refiner_switch_at:float
  disable_extra_networks:bool comments:dict sampler_index:str script_name:str script_args:list
  send_images:bool save_images:bool alwayson_scripts:dict`)

export const proxySchemas: Record<string, Record<string, PyType>> = {
  'sdapi/v1/txt2img': {
    ...common,
    ...fields(`
      enable_hr:bool firstphase_width:int firstphase_height:int hr_scale:float hr_upscaler:str
      hr_second_pass_steps:int hr_resize_x:int hr_resize_y:int hr_checkpoint_name:str
      hr_sampler_name:str hr_prompt:str hr_negative_prompt:str`),
  },
  'sdapi/v1/img2img': {
    ...common,
    // no `mask`: the worker's schema leaves it out, so it cannot inpaint
    ...fields(`
      init_images:list resize_mode:int image_cfg_scale:float mask_blur_x:int mask_blur_y:int
      mask_blur:int inpainting_fill:int inpaint_full_res:bool inpaint_full_res_padding:int
      inpainting_mask_invert:int initial_noise_multiplier:int latent_mask:str
      include_init_images:bool`),
  },
}

export const proxyRequired: Record<string, string[]> = {
  'sdapi/v1/txt2img': ['prompt'],
  'sdapi/v1/img2img': ['prompt', 'init_images'],
}

const samplers = [
  'DPM++ 2M',
  'DPM++ SDE',
  'DPM++ 2M SDE',
  'DPM++ 2M SDE Heun',
  'DPM++ 2S a',
  'DPM++ 3M SDE',
  'Euler a',
  'Euler',
  'LMS',
  'Heun',
  'DPM2',
  'DPM2 a',
  'DPM fast',
  'DPM adaptive',
  'Restart',
  'DDIM',
  'PLMS',
  'UniPC',
  'LCM',
]
export const proxyConstraints: Record<string, readonly string[]> = {
  sampler_name: samplers,
  sampler_index: samplers,
  scheduler: ['automatic', 'uniform', 'karras', 'exponential', 'polyexponential', 'sgm_uniform'],
}

/** Scheduler words the worker moves from the end of a sampler name into `scheduler`. */
export const schedulerSuffixes = [
  'uniform',
  'karras',
  'exponential',
  'polyexponential',
  'sgm_uniform',
]

/** Defaults the validator writes into the payload (only those that change what A1111 does). */
const numericDefaults = {
  subseed_strength: 0,
  eta: 0,
  s_min_uncond: 0,
  s_churn: 0,
  s_tmax: 0,
  s_tmin: 0,
  s_noise: 0,
}
export const proxyDefaults: Record<string, Record<string, unknown>> = {
  'sdapi/v1/txt2img': { ...numericDefaults, sampler_name: 'Euler a', scheduler: 'automatic' },
  'sdapi/v1/img2img': {
    ...numericDefaults,
    sampler_name: 'Euler a',
    scheduler: 'automatic',
    mask_blur: 0,
    inpainting_mask_invert: 1,
    initial_noise_multiplier: 1,
  },
}

export const pyTypeOf = (value: unknown): string => {
  if (value === null) return "<class 'NoneType'>"
  if (typeof value === 'string') return "<class 'str'>"
  if (typeof value === 'boolean') return "<class 'bool'>"
  if (typeof value === 'number')
    return Number.isInteger(value) ? "<class 'int'>" : "<class 'float'>"
  if (Array.isArray(value)) return "<class 'list'>"
  return "<class 'dict'>"
}

export const fitsPyType = (value: unknown, type: PyType): boolean => {
  switch (type) {
    case 'str':
      return typeof value === 'string'
    case 'int':
      return typeof value === 'number' && Number.isInteger(value)
    case 'float':
      return typeof value === 'number'
    case 'bool':
      return typeof value === 'boolean'
    case 'list':
      return Array.isArray(value)
    case 'dict':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
  }
}
