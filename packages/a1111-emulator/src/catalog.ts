/** The models, samplers, schedulers and upscalers the emulated server "has installed". */

export interface Checkpoint {
  title: string
  model_name: string
  hash: string
  sha256: string
  filename: string
  config: string | null
}

const MODELS_DIR = '/stable-diffusion-webui/models/Stable-diffusion'

function checkpoint(file: string, sha256: string): Checkpoint {
  const hash = sha256.slice(0, 10)
  return {
    title: `${file} [${hash}]`,
    model_name: file.replace(/\.[^.]+$/, '').replaceAll('/', '_'),
    hash,
    sha256,
    filename: `${MODELS_DIR}/${file}`,
    config: null,
  }
}

export const checkpoints: readonly Checkpoint[] = [
  checkpoint(
    'v1-5-pruned-emaonly.safetensors',
    '6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa',
  ),
  checkpoint(
    'dreamshaper_8.safetensors',
    '879db523c30d3b9017143d56705015e15a2cb5628762c11d086fed9538abd7fd',
  ),
  checkpoint(
    'realisticVisionV60B1_v51VAE.safetensors',
    '15012c538f503ce2ebfc2c8547b268c75ccdaff7a281db55399940ff1d70e21d',
  ),
  checkpoint(
    'sd_xl_base_1.0.safetensors',
    '31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b',
  ),
]

export const defaultCheckpoint: Checkpoint = checkpoints[0] as Checkpoint

/** `sd_models.checkpoint_aliases`: title, file name, model name, short hash, sha256. */
export function findCheckpoint(name: string): Checkpoint | undefined {
  return checkpoints.find(
    (c) =>
      c.title === name ||
      c.filename.endsWith(`/${name}`) ||
      c.model_name === name ||
      c.hash === name ||
      c.sha256 === name,
  )
}

export interface Sampler {
  name: string
  aliases: string[]
  /** Default scheduler name, if any. */
  scheduler?: 'karras' | 'exponential'
  options: Record<string, string>
}

function sampler(
  name: string,
  aliases: string[],
  scheduler?: 'karras' | 'exponential',
  extra: Record<string, string> = {},
): Sampler {
  const options: Record<string, string> = { ...extra }
  if (scheduler) options.scheduler = scheduler
  return scheduler ? { name, aliases, scheduler, options } : { name, aliases, options }
}

export const samplers: readonly Sampler[] = [
  sampler('DPM++ 2M', ['k_dpmpp_2m'], 'karras'),
  sampler('DPM++ SDE', ['k_dpmpp_sde'], 'karras', { second_order: 'True', brownian_noise: 'True' }),
  sampler('DPM++ 2M SDE', ['k_dpmpp_2m_sde'], 'exponential', { brownian_noise: 'True' }),
  sampler('DPM++ 2M SDE Heun', ['k_dpmpp_2m_sde_heun'], 'exponential', {
    brownian_noise: 'True',
    solver_type: 'heun',
  }),
  sampler('DPM++ 2S a', ['k_dpmpp_2s_a'], 'karras', { uses_ensd: 'True', second_order: 'True' }),
  sampler('DPM++ 3M SDE', ['k_dpmpp_3m_sde'], 'exponential', {
    discard_next_to_last_sigma: 'True',
    brownian_noise: 'True',
  }),
  sampler('Euler a', ['k_euler_a', 'k_euler_ancestral'], undefined, { uses_ensd: 'True' }),
  sampler('Euler', ['k_euler']),
  sampler('LMS', ['k_lms']),
  sampler('Heun', ['k_heun'], undefined, { second_order: 'True' }),
  sampler('DPM2', ['k_dpm_2'], 'karras', {
    discard_next_to_last_sigma: 'True',
    second_order: 'True',
  }),
  sampler('DPM2 a', ['k_dpm_2_a'], 'karras', {
    discard_next_to_last_sigma: 'True',
    uses_ensd: 'True',
    second_order: 'True',
  }),
  sampler('DPM fast', ['k_dpm_fast'], undefined, { uses_ensd: 'True' }),
  sampler('DPM adaptive', ['k_dpm_ad'], undefined, { uses_ensd: 'True' }),
  sampler('Restart', ['restart'], 'karras', { second_order: 'True' }),
  sampler('DDIM', ['ddim']),
  sampler('DDIM CFG++', ['ddim_cfgpp']),
  sampler('PLMS', ['plms']),
  sampler('UniPC', ['unipc']),
  sampler('LCM', ['k_lcm']),
]

export interface Scheduler {
  name: string
  label: string
  aliases: string[] | null
  default_rho: number
  need_inner_model: boolean
}

function scheduler(
  name: string,
  label: string,
  opts: { rho?: number; inner?: boolean; aliases?: string[] } = {},
): Scheduler {
  return {
    name,
    label,
    aliases: opts.aliases ?? null,
    default_rho: opts.rho ?? -1,
    need_inner_model: opts.inner ?? false,
  }
}

export const schedulers: readonly Scheduler[] = [
  scheduler('automatic', 'Automatic'),
  scheduler('uniform', 'Uniform', { inner: true }),
  scheduler('karras', 'Karras', { rho: 7 }),
  scheduler('exponential', 'Exponential'),
  scheduler('polyexponential', 'Polyexponential', { rho: 1 }),
  scheduler('sgm_uniform', 'SGM Uniform', { inner: true, aliases: ['SGMUniform'] }),
  scheduler('kl_optimal', 'KL Optimal'),
  scheduler('align_your_steps', 'Align Your Steps'),
  scheduler('simple', 'Simple', { inner: true }),
  scheduler('normal', 'Normal', { inner: true }),
  scheduler('ddim', 'DDIM', { inner: true }),
  scheduler('beta', 'Beta', { inner: true }),
]

export interface Upscaler {
  name: string
  model_name: string | null
  model_path: string | null
  model_url: null
  scale: number
  /** sharp kernel used to emulate it. */
  kernel: 'nearest' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3'
  /** Sharpen after resizing (the "AI" upscalers). */
  sharpen: boolean
}

function upscaler(
  name: string,
  model: string | null,
  kernel: Upscaler['kernel'],
  sharpen: boolean,
): Upscaler {
  const model_path = model ? `/stable-diffusion-webui/models/${model}/${name}.pth` : null
  return { name, model_name: model, model_path, model_url: null, scale: 4, kernel, sharpen }
}

export const upscalers: readonly Upscaler[] = [
  upscaler('None', null, 'lanczos3', false),
  upscaler('Lanczos', null, 'lanczos3', false),
  upscaler('Nearest', null, 'nearest', false),
  upscaler('DAT x2', 'DAT', 'lanczos3', true),
  upscaler('DAT x3', 'DAT', 'lanczos3', true),
  upscaler('DAT x4', 'DAT', 'lanczos3', true),
  upscaler('ESRGAN_4x', 'ESRGAN', 'lanczos3', true),
  upscaler('LDSR', 'LDSR', 'lanczos3', false),
  upscaler('R-ESRGAN 4x+', 'RealESRGAN', 'mitchell', true),
  upscaler('R-ESRGAN 4x+ Anime6B', 'RealESRGAN', 'lanczos2', true),
  upscaler('ScuNET GAN', 'ScuNET', 'mitchell', false),
  upscaler('ScuNET PSNR', 'ScuNET', 'cubic', false),
  upscaler('SwinIR 4x', 'SwinIR', 'cubic', true),
]

export function findUpscaler(name: string): Upscaler | undefined {
  return upscalers.find((u) => u.name === name)
}

export const latentUpscaleModes: readonly string[] = [
  'Latent',
  'Latent (antialiased)',
  'Latent (bicubic)',
  'Latent (bicubic antialiased)',
  'Latent (nearest)',
  'Latent (nearest-exact)',
]

export const A1111_VERSION = 'v1.10.1'
