import { pythonException } from './api-error.js'
import { type Checkpoint, defaultCheckpoint, findCheckpoint } from './catalog.js'
import { a1111Options } from './default-options.js'
import { builtinExtensionOptions, controlNetOptions } from './extension-options.js'

export type OptionValue = string | number | boolean | null | string[]

/** A1111's options with their defaults, the loaded checkpoint, and its extensions' options. */
export function defaultSettings(): Record<string, OptionValue> {
  return {
    ...structuredClone(a1111Options),
    sd_model_checkpoint: defaultCheckpoint.title,
    sd_checkpoint_hash: defaultCheckpoint.sha256,
    ...structuredClone(builtinExtensionOptions),
    ...structuredClone(controlNetOptions),
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
