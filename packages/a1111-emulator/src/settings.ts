import { pythonException } from './api-error.js'
import { type Checkpoint, defaultCheckpoint, findCheckpoint } from './catalog.js'

export type OptionValue = string | number | boolean | null | string[]

/** A subset of A1111's options (`modules/shared_options.py`) with their defaults. */
export function defaultSettings(): Record<string, OptionValue> {
  return {
    samples_save: true,
    samples_format: 'png',
    save_images_add_number: true,
    grid_save: true,
    grid_format: 'png',
    return_grid: true,
    grid_only_if_multiple: true,
    n_rows: -1,
    save_incomplete_images: false,
    return_mask: false,
    return_mask_composite: false,
    sd_model_checkpoint: defaultCheckpoint.title,
    sd_checkpoint_hash: defaultCheckpoint.sha256,
    sd_vae: 'Automatic',
    CLIP_stop_at_last_layers: 1,
    eta_noise_seed_delta: 0,
    eta_ancestral: 1.0,
    eta_ddim: 0.0,
    face_restoration: false,
    face_restoration_model: 'CodeFormer',
    code_former_weight: 0.5,
    tiling: false,
    img2img_fix_steps: false,
    initial_noise_multiplier: 1.0,
    inpainting_mask_weight: 1.0,
    randn_source: 'GPU',
    live_previews_enable: true,
    live_previews_image_format: 'png',
    show_progress_every_n_steps: 10,
    show_progress_type: 'Approx NN',
    add_model_hash_to_info: true,
    add_model_name_to_info: true,
    add_version_to_infotext: true,
    add_user_name_to_info: false,
    api_enable_requests: true,
    api_forbid_local_requests: true,
    api_useragent: '',
    upscaler_for_img2img: null,
    sd_unet: 'Automatic',
    control_net_unit_count: 3,
    control_net_no_detectmap: false,
    control_net_detectmap_autosaving: false,
    control_net_model_cache_size: 2,
  }
}

export interface SettingsStore {
  readonly values: Record<string, OptionValue>
  checkpoint(overrides?: Record<string, unknown> | null): Checkpoint
  /** `POST /options`: unknown key → KeyError, unknown checkpoint → RuntimeError. */
  apply(values: Record<string, unknown>): void
  number(key: string, overrides?: Record<string, unknown> | null): number
  bool(key: string, overrides?: Record<string, unknown> | null): boolean
}

function toOptionValue(v: unknown): OptionValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    return v
  }
  if (Array.isArray(v)) return v.map(String)
  return JSON.stringify(v)
}

export function createSettingsStore(): SettingsStore {
  const values = defaultSettings()
  const pick = (key: string, overrides?: Record<string, unknown> | null): unknown =>
    overrides && key in overrides ? overrides[key] : values[key]
  return {
    values,
    checkpoint(overrides) {
      const requested = overrides?.sd_model_checkpoint
      if (typeof requested === 'string') {
        const found = findCheckpoint(requested)
        if (found) return found
      }
      return findCheckpoint(String(values.sd_model_checkpoint)) ?? defaultCheckpoint
    },
    apply(input) {
      for (const key of Object.keys(input)) {
        if (!(key in values)) throw pythonException('KeyError', `'${key}'`)
      }
      const ckpt = input.sd_model_checkpoint
      if (ckpt !== undefined) {
        const found = typeof ckpt === 'string' ? findCheckpoint(ckpt) : undefined
        if (!found) {
          throw pythonException('RuntimeError', `model '${String(ckpt)}' not found`)
        }
      }
      for (const [key, v] of Object.entries(input)) {
        if (key === 'sd_model_checkpoint') {
          const found = findCheckpoint(String(v)) ?? defaultCheckpoint
          values.sd_model_checkpoint = found.title
          values.sd_checkpoint_hash = found.sha256
        } else values[key] = toOptionValue(v)
      }
    },
    number(key, overrides) {
      const v = pick(key, overrides)
      return typeof v === 'number' ? v : Number(v)
    },
    bool(key, overrides) {
      const v = pick(key, overrides)
      return v === true || v === 'true' || v === 'True' || v === 1
    },
  }
}

/** `override_settings`: unknown key → 500 KeyError (checked before anything runs). */
export function checkOverrides(store: SettingsStore, overrides: Record<string, unknown> | null) {
  if (!overrides) return
  for (const key of Object.keys(overrides)) {
    if (!(key in store.values)) throw pythonException('KeyError', `'${key}'`)
  }
}
