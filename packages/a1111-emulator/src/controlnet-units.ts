import { pythonException } from './api-error.js'
import { correctSliders, resolveModule } from './controlnet-catalog.js'

/** A ControlNet unit after CN's parse-time validation and slider correction (reference §6.2). */
export interface ControlNetUnitSpec {
  enabled: boolean
  /** Module as sent (name or label) and its resolved preprocessor name. */
  moduleAsSent: string
  module: string
  model: string
  weight: number
  image: unknown
  mask: unknown
  resizeMode: 'Just Resize' | 'Crop and Resize' | 'Resize and Fill'
  processorRes: number
  thresholdA: number
  thresholdB: number
  guidanceStart: number
  guidanceEnd: number
  pixelPerfect: boolean
  controlMode: 'Balanced' | 'My prompt is more important' | 'ControlNet is more important'
  hrOption: 'Both' | 'Low res only' | 'High res only'
  saveDetectedMap: boolean
}

const RESIZE_MODES: Readonly<Record<string, ControlNetUnitSpec['resizeMode']>> = {
  'Just Resize': 'Just Resize',
  'Crop and Resize': 'Crop and Resize',
  'Resize and Fill': 'Resize and Fill',
  'Inner Fit (Scale to Fit)': 'Crop and Resize',
  'Scale to Fit (Inner Fit)': 'Crop and Resize',
  'Outer Fit (Shrink to Fit)': 'Resize and Fill',
  'Envelope (Outer Fit)': 'Resize and Fill',
}
const CONTROL_MODES = [
  'Balanced',
  'My prompt is more important',
  'ControlNet is more important',
] as const
const HR_OPTIONS = ['Both', 'Low res only', 'High res only'] as const

interface FieldError {
  field: string
  msg: string
  type: string
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function validationFailure(errors: FieldError[]): Error {
  const n = errors.length
  const lines = errors.map((e) => `${e.field}\n  ${e.msg} (type=${e.type})`).join('\n')
  return pythonException(
    'ValidationError',
    `${n} validation error${n === 1 ? '' : 's'} for ControlNetUnit\n${lines}`,
  )
}

interface Reader {
  errors: FieldError[]
  bool(key: string, d: boolean): boolean
  float(key: string, d: number, min?: number, max?: number): number
  int(key: string, d: number): number
  str(key: string, d: string): string
  enumOf<T extends string>(key: string, d: T, allowed: readonly T[], map?: Record<string, T>): T
}

function reader(unit: Record<string, unknown>): Reader {
  const errors: FieldError[] = []
  const get = (key: string): unknown => unit[key]
  return {
    errors,
    bool(key, d) {
      const v = get(key)
      if (v === undefined || v === null) return d
      if (typeof v === 'boolean') return v
      if (v === 0 || v === 1) return v === 1
      if (typeof v === 'string' && /^(true|false|1|0|yes|no|on|off|t|f|y|n)$/i.test(v)) {
        return /^(true|1|yes|on|t|y)$/i.test(v)
      }
      errors.push({
        field: key,
        msg: 'value could not be parsed to a boolean',
        type: 'type_error.bool',
      })
      return d
    },
    float(key, d, min, max) {
      const v = get(key)
      if (v === undefined || v === null) return d
      const n =
        typeof v === 'number'
          ? v
          : typeof v === 'string' && v.trim() !== ''
            ? Number(v)
            : Number.NaN
      if (Number.isNaN(n)) {
        errors.push({ field: key, msg: 'value is not a valid float', type: 'type_error.float' })
        return d
      }
      if (min !== undefined && n < min) {
        errors.push({
          field: key,
          msg: `ensure this value is greater than or equal to ${min}`,
          type: `value_error.number.not_ge; limit_value=${String(min)}`,
        })
      }
      if (max !== undefined && n > max) {
        errors.push({
          field: key,
          msg: `ensure this value is less than or equal to ${max}`,
          type: `value_error.number.not_le; limit_value=${String(max)}`,
        })
      }
      return n
    },
    int(key, d) {
      const v = get(key)
      if (v === undefined || v === null) return d
      const n =
        typeof v === 'number'
          ? Math.trunc(v)
          : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)
            ? Number(v)
            : Number.NaN
      if (Number.isNaN(n)) {
        errors.push({ field: key, msg: 'value is not a valid integer', type: 'type_error.integer' })
        return d
      }
      return n
    },
    str(key, d) {
      const v = get(key)
      if (v === undefined || v === null) return d
      if (typeof v === 'string') return v
      if (typeof v === 'number') return String(v)
      errors.push({ field: key, msg: 'str type expected', type: 'type_error.str' })
      return d
    },
    enumOf(key, d, allowed, map) {
      const v = get(key)
      if (v === undefined || v === null) return d
      if (typeof v === 'string') {
        const hit = map?.[v] ?? allowed.find((a) => a === v)
        if (hit) return hit
      }
      const permitted = allowed.map((a) => `'${a}'`).join(', ')
      errors.push({
        field: key,
        msg: `value is not a valid enumeration member; permitted: ${permitted}`,
        type: 'type_error.enum',
      })
      return d
    },
  }
}

function parseUnit(input: unknown): ControlNetUnitSpec {
  if (!isRecord(input)) {
    throw validationFailure([
      { field: '__root__', msg: 'value is not a valid dict', type: 'type_error.dict' },
    ])
  }
  const unit = legacyAliases(input)
  const r = reader(unit)
  const enabled = r.bool('enabled', false)
  const moduleAsSent = r.str('module', 'none')
  const module = resolveModule(moduleAsSent)
  if (!module) {
    r.errors.push({
      field: 'module',
      msg: `module(${moduleAsSent}) not found in supported modules.`,
      type: 'value_error',
    })
  }
  const guidanceEnd = r.float('guidance_end', 1, 0, 1)
  const guidanceStart = r.float('guidance_start', 0, 0, 1)
  if (guidanceStart > guidanceEnd) {
    r.errors.push({
      field: '__root__',
      msg: `guidance_start(${guidanceStart}) must be smaller than guidance_end(${guidanceEnd})`,
      type: 'value_error',
    })
  }
  const spec: ControlNetUnitSpec = {
    enabled,
    moduleAsSent,
    module: module ?? 'none',
    model: r.str('model', 'None'),
    weight: r.float('weight', 1, 0, 2),
    image: unit.image ?? null,
    mask: unit.mask ?? null,
    resizeMode: r.enumOf(
      'resize_mode',
      'Crop and Resize',
      Object.values(RESIZE_MODES),
      RESIZE_MODES,
    ),
    processorRes: r.int('processor_res', -1),
    thresholdA: r.float('threshold_a', -1),
    thresholdB: r.float('threshold_b', -1),
    guidanceStart,
    guidanceEnd,
    pixelPerfect: r.bool('pixel_perfect', false),
    controlMode: r.enumOf('control_mode', 'Balanced', CONTROL_MODES),
    hrOption: r.enumOf('hr_option', 'Both', HR_OPTIONS),
    saveDetectedMap: r.bool('save_detected_map', true),
  }
  r.bool('low_vram', false)
  if (r.errors.length > 0) throw validationFailure(r.errors)
  if (spec.enabled) {
    const fixed = correctSliders(spec.module, spec.processorRes, spec.thresholdA, spec.thresholdB)
    spec.processorRes = fixed.processorRes
    spec.thresholdA = fixed.thresholdA
    spec.thresholdB = fixed.thresholdB
  }
  return spec
}

/**
 * CN `ControlNetUnit.from_dict` (internal_controlnet/args.py), before pydantic sees the unit:
 * the legacy aliases `guidance`, `lowvram`, `input_image` move to their fields, and a unit
 * holding both keys (even as null) fails an assertion; `mask_image` (Forge) moves to `mask`,
 * and both set fails with a ValueError. Either one is a 500.
 */
function legacyAliases(unit: Record<string, unknown>): Record<string, unknown> {
  const out = { ...unit }
  const aliases = [
    ['guidance', 'guidance_end'],
    ['lowvram', 'low_vram'],
    ['input_image', 'image'],
  ] as const
  for (const [alias, key] of aliases) {
    if (!(alias in out)) continue
    if (key in out)
      throw pythonException('AssertionError', `Conflict of field '${alias}' and '${key}'`)
    out[key] = out[alias]
  }
  const maskImage = out.mask_image
  if (maskImage !== undefined && maskImage !== null) {
    if (out.mask !== undefined && out.mask !== null) {
      throw pythonException('ValueError', "Cannot specify both 'mask' and 'mask_image'!")
    }
    out.mask = maskImage
  }
  return out
}

/** Finds `alwayson_scripts.controlnet.args` (key matched case-insensitively) and parses units. */
export function parseControlNetUnits(
  alwaysonScripts: Record<string, unknown> | null,
  maxUnits: number,
): ControlNetUnitSpec[] {
  if (!alwaysonScripts) return []
  const key = Object.keys(alwaysonScripts).find((k) => k.toLowerCase() === 'controlnet')
  if (key === undefined) return []
  const entry = alwaysonScripts[key]
  const args = isRecord(entry) && Array.isArray(entry.args) ? entry.args : []
  return args.slice(0, maxUnits).map(parseUnit)
}

/** `ControlNet <i>` infotext value (CN `args.py` `serialize`). */
export function serializeUnit(u: ControlNetUnitSpec): string {
  const f = (n: number): string => (Number.isInteger(n) ? `${n}.0` : String(n))
  return [
    `Module: ${u.moduleAsSent}`,
    `Model: ${u.model}`,
    `Weight: ${f(u.weight)}`,
    `Resize Mode: ${u.resizeMode}`,
    `Processor Res: ${u.processorRes}`,
    `Threshold A: ${f(u.thresholdA)}`,
    `Threshold B: ${f(u.thresholdB)}`,
    `Guidance Start: ${f(u.guidanceStart)}`,
    `Guidance End: ${f(u.guidanceEnd)}`,
    `Pixel Perfect: ${u.pixelPerfect ? 'True' : 'False'}`,
    `Control Mode: ${u.controlMode}`,
  ].join(', ')
}
