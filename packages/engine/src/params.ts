import { type ErrorCode, escapePointerToken, type Issue, issue } from '@sdflow/protocol'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { TObject } from 'typebox'
import { didYouMean } from './closest.js'
import { precompiled } from './precompiled.js'

/** The engine's ajv settings (also those of the validators generated for the CLI bundle). */
export const ajvOptions = {
  allErrors: true,
  useDefaults: true,
  strict: false,
  // errors carry their schema, so an unknown param can be matched against the known ones
  verbose: true,
} as const
const ajv = new Ajv(ajvOptions)
addFormats.default(ajv)

/** What a node type's params are validated against: its schema, closed to unknown params. */
export const paramsSchema = (schema: TObject): object => ({
  ...schema,
  additionalProperties: false,
})

export function compileParams(schema: TObject): ValidateFunction {
  return compileSchema(paramsSchema(schema))
}

/** Compiled in this process, by schema text: a new registry (a runtime, a test) compiles none again. */
const compiled = new Map<string, ValidateFunction>()

/** Compile any JSON schema with the engine's ajv settings (defaults applied, all errors). */
export function compileSchema(schema: object): ValidateFunction {
  const key = JSON.stringify(schema)
  let validate = precompiled.get(key) ?? compiled.get(key)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(key, validate)
  }
  return validate
}

const rangeKeywords = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'multipleOf',
])

/** Validate and default a node's params. Returns the defaulted copy and any issues. */
export function checkParams(
  validate: ValidateFunction,
  params: Record<string, unknown> | undefined,
  base: string,
): { params: Record<string, unknown>; issues: Issue[] } {
  const copy = copyJson(params ?? {}) as Record<string, unknown>
  if (validate(copy)) return { params: copy, issues: [] }
  return { params: copy, issues: ajvIssues(validate.errors ?? [], base) }
}

/**
 * A deep copy of plain JSON (ajv writes defaults into what it validates; the document stays
 * as given), several times faster than structuredClone on the small params of each node.
 * Anything but plain objects and arrays goes to structuredClone. Callers bound the depth.
 */
function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(copyJson)
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value)
  const copy: Record<string, unknown> = prototype === null ? Object.create(null) : {}
  for (const key of Object.keys(value)) {
    const child = copyJson((value as Record<string, unknown>)[key])
    // a "__proto__" key from JSON is data: assigning it would set the copy's prototype
    if (key === '__proto__') {
      Object.defineProperty(copy, key, {
        value: child,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else copy[key] = child
  }
  return copy
}

/** ajv errors as issues; `base` is the pointer of the validated value in the document. */
export function ajvIssues(
  errors: readonly ErrorObject[],
  base: string,
  fallback?: ErrorCode,
): Issue[] {
  const seen = new Set<string>()
  const out: Issue[] = []
  for (const error of errors) {
    const [code, at, message] = describe(error, base, fallback)
    const key = `${code} ${at}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(issue(code, at, message))
  }
  return out
}

function describe(
  error: ErrorObject,
  base: string,
  fallback?: ErrorCode,
): [ErrorCode, string, string] {
  const at = base + error.instancePath
  const name = at.split('/').at(-1) || 'value'
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty)
    return [
      fallback ?? 'SDF_PARAM_UNKNOWN',
      `${at}/${escapePointerToken(extra)}`,
      `unknown ${fallback ? 'field' : 'param'} "${extra}"${didYouMean(extra, knownKeys(error))}`,
    ]
  }
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty)
    return [
      fallback ?? 'SDF_PARAM_MISSING',
      `${at}/${escapePointerToken(missing)}`,
      `"${missing}" is required`,
    ]
  }
  if (rangeKeywords.has(error.keyword)) {
    return [
      fallback ?? 'SDF_PARAM_OUT_OF_RANGE',
      at,
      `${name} ${error.message ?? 'is out of range'}`,
    ]
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params.allowedValues as unknown[])
      .map((v) => JSON.stringify(v))
      .join(', ')
    return [fallback ?? 'SDF_PARAM_INVALID', at, `${name} must be one of ${allowed}`]
  }
  return [fallback ?? 'SDF_PARAM_INVALID', at, `${name} ${error.message ?? 'is invalid'}`]
}

function knownKeys(error: ErrorObject): string[] {
  const properties: unknown = error.parentSchema?.properties
  return properties && typeof properties === 'object' ? Object.keys(properties) : []
}
