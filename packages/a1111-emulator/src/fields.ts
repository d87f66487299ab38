import { type PydanticIssue, validationError } from './api-error.js'
import { withFloats } from './py-format.js'
import { refusal } from './request-body.js'

/** pydantic v1 field kinds used by the A1111 request models. */
export type FieldKind = 'int' | 'float' | 'str' | 'bool' | 'str[]' | 'list' | 'dict' | 'any'

export interface FieldSpec<K extends FieldKind = FieldKind> {
  kind: K
  default: unknown
}

type KindValue<K extends FieldKind> = K extends 'int' | 'float'
  ? number
  : K extends 'str'
    ? string
    : K extends 'bool'
      ? boolean
      : K extends 'str[]'
        ? string[]
        : K extends 'list'
          ? unknown[]
          : K extends 'dict'
            ? Record<string, unknown>
            : unknown

/** Every A1111 request field is Optional, so an explicit `null` always passes. */
export type Parsed<M extends Record<string, FieldSpec>> = {
  -readonly [K in keyof M]: KindValue<M[K]['kind']> | null
}

export const field = {
  int: (d: number | null): FieldSpec<'int'> => ({ kind: 'int', default: d }),
  float: (d: number | null): FieldSpec<'float'> => ({ kind: 'float', default: d }),
  str: (d: string | null): FieldSpec<'str'> => ({ kind: 'str', default: d }),
  bool: (d: boolean | null): FieldSpec<'bool'> => ({ kind: 'bool', default: d }),
  strList: (d: string[] | null): FieldSpec<'str[]'> => ({ kind: 'str[]', default: d }),
  list: (d: unknown[] | null): FieldSpec<'list'> => ({ kind: 'list', default: d }),
  dict: (d: Record<string, unknown> | null): FieldSpec<'dict'> => ({ kind: 'dict', default: d }),
}

type Coerced = { ok: true; value: unknown } | { ok: false; msg: string; type: string }

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes'])
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no'])

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function coerceInt(v: unknown): Coerced {
  const bad: Coerced = {
    ok: false,
    msg: 'value is not a valid integer',
    type: 'type_error.integer',
  }
  if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 }
  if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: Math.trunc(v) } : bad
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return { ok: true, value: Number(v) }
  return bad
}

function coerceFloat(v: unknown): Coerced {
  if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 }
  if (typeof v === 'number') return { ok: true, value: v }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
    return { ok: true, value: Number(v) }
  }
  return { ok: false, msg: 'value is not a valid float', type: 'type_error.float' }
}

function coerceStr(v: unknown): Coerced {
  if (typeof v === 'string') return { ok: true, value: v }
  if (typeof v === 'boolean') return { ok: true, value: v ? 'True' : 'False' }
  if (typeof v === 'number') return { ok: true, value: String(v) }
  return { ok: false, msg: 'str type expected', type: 'type_error.str' }
}

function coerceBool(v: unknown): Coerced {
  if (typeof v === 'boolean') return { ok: true, value: v }
  if (v === 0 || v === 1) return { ok: true, value: v === 1 }
  if (typeof v === 'string') {
    const w = v.toLowerCase()
    if (TRUE_WORDS.has(w)) return { ok: true, value: true }
    if (FALSE_WORDS.has(w)) return { ok: true, value: false }
  }
  return { ok: false, msg: 'value could not be parsed to a boolean', type: 'type_error.bool' }
}

function coerce(
  kind: FieldKind,
  v: unknown,
  loc: (string | number)[],
  issues: PydanticIssue[],
): unknown {
  const fail = (c: Coerced): unknown => {
    if (!c.ok) issues.push({ loc, msg: c.msg, type: c.type })
    return c.ok ? c.value : null
  }
  switch (kind) {
    case 'int':
      return fail(coerceInt(v))
    case 'float':
      return fail(coerceFloat(v))
    case 'str':
      return fail(coerceStr(v))
    case 'bool':
      return fail(coerceBool(v))
    case 'str[]':
      if (!Array.isArray(v)) {
        return fail({ ok: false, msg: 'value is not a valid list', type: 'type_error.list' })
      }
      return v.map((item, i) => coerce('str', item, [...loc, i], issues))
    case 'list':
      return Array.isArray(v)
        ? v
        : fail({ ok: false, msg: 'value is not a valid list', type: 'type_error.list' })
    case 'dict':
      return isRecord(v)
        ? v
        : fail({ ok: false, msg: 'value is not a valid dict', type: 'type_error.dict' })
    case 'any':
      return v
  }
}

/**
 * Parses a JSON body like a pydantic v1 model: unknown keys ignored, values coerced,
 * every problem collected into one 422.
 */
export function parseModel<M extends Record<string, FieldSpec>>(
  body: unknown,
  model: M,
): Parsed<M> {
  const refused = refusal(body)
  if (refused) throw refused
  if (body === undefined) {
    throw validationError([{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }])
  }
  if (!isRecord(body)) {
    throw validationError([
      { loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' },
    ])
  }
  const issues: PydanticIssue[] = []
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(model)) {
    const raw = body[key]
    if (raw === undefined) out[key] = structuredClone(spec.default)
    else if (raw === null) out[key] = null
    else out[key] = coerce(spec.kind, raw, ['body', key], issues)
  }
  if (issues.length > 0) throw validationError(issues)
  return out as Parsed<M>
}

/** Required string field of small bodies like png-info: missing → 422 `field required`. */
export function requireField(body: unknown, key: string): void {
  const refused = refusal(body)
  if (refused) throw refused
  if (isRecord(body) && body[key] !== undefined) return
  if (body === undefined || isRecord(body)) {
    const loc = body === undefined ? ['body'] : ['body', key]
    throw validationError([{ loc, msg: 'field required', type: 'value_error.missing' }])
  }
  throw validationError([
    { loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' },
  ])
}

/** A free-form dict body (`POST /options`, ControlNet routes): 422 unless an object. */
export function requireDict(body: unknown): Record<string, unknown> {
  const refused = refusal(body)
  if (refused) throw refused
  if (body === undefined) {
    throw validationError([{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }])
  }
  if (!isRecord(body)) {
    throw validationError([
      { loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' },
    ])
  }
  return body
}

/** The parsed model as pydantic holds it: `float` fields as Python floats (echoed `7.0`). */
export function withPyFloats<M extends Record<string, FieldSpec>>(
  model: M,
  parsed: Record<string, unknown>,
): Record<string, unknown> {
  return withFloats(
    parsed,
    Object.keys(model).filter((key) => model[key]?.kind === 'float'),
  )
}
