/**
 * A node type's params JSON Schema turned into form fields, and raw input parsed back to values.
 * Pure: the React side only renders what `fieldsOf` describes.
 */

export type Scalar = string | number | boolean

interface FieldBase {
  key: string
  label: string
  description?: string
  default?: unknown
  /** Listed in the schema's `required` without a default: the user must fill it. */
  required: boolean
}

export type Field =
  | (FieldBase & { kind: 'textarea' })
  | (FieldBase & { kind: 'text'; pattern?: string; minLength?: number })
  | (FieldBase & { kind: 'number'; integer: boolean; min?: number; max?: number; step: number })
  | (FieldBase & { kind: 'checkbox' })
  | (FieldBase & { kind: 'select'; options: Scalar[] })
  | (FieldBase & { kind: 'catalog'; catalog: string })
  | (FieldBase & { kind: 'json' })

type Schema = Record<string, unknown>

const isObject = (v: unknown): v is Schema =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)
const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

/** `enum: [...]` or `anyOf: [{const}, ...]`; undefined when the schema is no closed set. */
export function enumOptions(schema: Schema): Scalar[] | undefined {
  if (Array.isArray(schema.enum) && schema.enum.every(isScalar)) return schema.enum
  const alternatives = schema.anyOf ?? schema.oneOf
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    const consts = alternatives.map((a) => (isObject(a) ? a.const : undefined))
    if (consts.every(isScalar)) return consts
  }
  return undefined
}

function stepOf(min: number | undefined, max: number | undefined): number {
  if (min === undefined || max === undefined) return 0.1
  const range = max - min
  if (range <= 1) return 0.01
  if (range <= 10) return 0.05
  return 0.5
}

export function labelOf(key: string): string {
  const words = key.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function fieldOf(key: string, schema: Schema, required: boolean): Field {
  const base: FieldBase = {
    key,
    label: typeof schema.title === 'string' ? schema.title : labelOf(key),
    required: required && !('default' in schema),
  }
  if (typeof schema.description === 'string') base.description = schema.description
  if ('default' in schema) base.default = schema.default
  const options = enumOptions(schema)
  if (options) return { ...base, kind: 'select', options }
  if (typeof schema['x-catalog'] === 'string') {
    return { ...base, kind: 'catalog', catalog: schema['x-catalog'] }
  }
  switch (schema.type) {
    case 'string': {
      if (schema['x-widget'] === 'textarea') return { ...base, kind: 'textarea' }
      const field: Field = { ...base, kind: 'text' }
      if (typeof schema.pattern === 'string') field.pattern = schema.pattern
      if (typeof schema.minLength === 'number') field.minLength = schema.minLength
      return field
    }
    case 'integer':
    case 'number': {
      const integer = schema.type === 'integer'
      const min = num(schema.minimum) ?? num(schema.exclusiveMinimum)
      const max = num(schema.maximum) ?? num(schema.exclusiveMaximum)
      const field: Field = {
        ...base,
        kind: 'number',
        integer,
        step: integer ? 1 : stepOf(min, max),
      }
      if (min !== undefined) field.min = min
      if (max !== undefined) field.max = max
      return field
    }
    case 'boolean':
      return { ...base, kind: 'checkbox' }
    default:
      return { ...base, kind: 'json' }
  }
}

/** One field per property of a params schema, in schema order. */
export function fieldsOf(paramsSchema: Record<string, unknown>): Field[] {
  const properties = isObject(paramsSchema.properties) ? paramsSchema.properties : {}
  const required = new Set(Array.isArray(paramsSchema.required) ? paramsSchema.required : [])
  return Object.entries(properties).map(([key, schema]) =>
    fieldOf(key, isObject(schema) ? schema : {}, required.has(key)),
  )
}

/** Fields shown on the node itself: prompts and values with no default; the rest go to the inspector. */
export function isHeadline(field: Field): boolean {
  return field.kind === 'textarea' || field.required
}

/** The value a field shows: the node's own, else the schema default. */
export function shownValue(field: Field, params: Record<string, unknown>): unknown {
  return field.key in params ? params[field.key] : field.default
}

/** How the backends read a catalog name: taken or not, and the listed entry it means. */
export type CatalogMatch = (name: string) => { known: boolean; entry?: string }

/** The label of the empty option an unset select without a default starts on. */
export const CHOOSE = 'choose...'

/**
 * Options of a catalog select and the one shown: the live catalog, plus the default, an empty
 * "choose..." while a param without default is unset, and the current value as the entry it
 * matches (a model without its hash, a scheduler's label), marked only when no backend takes it.
 */
export function catalogOptions(
  field: Field & { kind: 'catalog' },
  catalog: readonly string[],
  current: unknown,
  match: CatalogMatch = () => ({ known: false }),
): { options: { value: string; label: string }[]; selected: string } {
  const seen = new Set<string>()
  const options: { value: string; label: string }[] = []
  const add = (value: string, label = value) => {
    if (seen.has(value)) return
    seen.add(value)
    options.push({ value, label })
  }
  const unset = typeof current !== 'string'
  if (unset && typeof field.default !== 'string') add('', CHOOSE)
  if (typeof field.default === 'string') {
    add(field.default, field.default === '' ? '(any)' : field.default)
  }
  for (const name of catalog) add(name)
  if (unset) return { options, selected: typeof field.default === 'string' ? field.default : '' }
  if (seen.has(current)) return { options, selected: current }
  const { known, entry } = match(current)
  if (entry !== undefined) {
    add(entry)
    return { options, selected: entry }
  }
  const name = current === '' ? '(any)' : current
  add(current, known ? name : `${name} (not in catalog)`)
  return { options, selected: current }
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string }

/** Raw input of a field (a string, or a boolean for checkboxes) parsed to a param value. */
export function parseField(field: Field, raw: string | boolean): Parsed {
  switch (field.kind) {
    case 'checkbox':
      return { ok: true, value: raw === true || raw === 'true' }
    case 'number': {
      const text = String(raw).trim()
      if (text === '') return { ok: false, message: `${field.label} needs a number` }
      const value = Number(text)
      if (!Number.isFinite(value)) return { ok: false, message: `${field.label} needs a number` }
      if (field.integer && !Number.isInteger(value)) {
        return { ok: false, message: `${field.label} must be a whole number` }
      }
      if (field.min !== undefined && value < field.min) {
        return { ok: false, message: `${field.label} must be >= ${field.min}` }
      }
      if (field.max !== undefined && value > field.max) {
        return { ok: false, message: `${field.label} must be <= ${field.max}` }
      }
      return { ok: true, value }
    }
    case 'select': {
      const match = field.options.find((o) => String(o) === String(raw))
      return match === undefined
        ? { ok: false, message: `${field.label} must be one of ${field.options.join(', ')}` }
        : { ok: true, value: match }
    }
    case 'json': {
      try {
        return { ok: true, value: JSON.parse(String(raw)) }
      } catch {
        return { ok: false, message: `${field.label} must be JSON` }
      }
    }
    default:
      return { ok: true, value: String(raw) }
  }
}

/** A value as the text an input shows. */
export function formatValue(field: Field, value: unknown): string {
  if (value === undefined || value === null) return ''
  if (field.kind === 'json') return JSON.stringify(value)
  return String(value)
}
