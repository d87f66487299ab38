import type { PydanticIssue } from './a1111-errors.js'

interface AjvError {
  instancePath?: string
  keyword?: string
  params?: Record<string, unknown>
  message?: string
}

const typeMessages: Record<string, [string, string]> = {
  integer: ['value is not a valid integer', 'type_error.integer'],
  number: ['value is not a valid float', 'type_error.float'],
  string: ['str type expected', 'type_error.str'],
  boolean: ['value could not be parsed to a boolean', 'type_error.bool'],
  array: ['value is not a valid list', 'type_error.list'],
  object: ['value is not a valid dict', 'type_error.dict'],
}

function locOf(error: AjvError): (string | number)[] {
  const path = (error.instancePath ?? '')
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
  const missing = error.params?.missingProperty
  if (error.keyword === 'required' && typeof missing === 'string') path.push(missing)
  return ['body', ...path]
}

/**
 * ajv's errors for a body checked against the A1111 request schemas, written as FastAPI's
 * pydantic v1 422 `detail` (a1111-api.md §4.1), one item per field.
 */
export function pydanticIssues(errors: readonly AjvError[]): PydanticIssue[] {
  const seen = new Set<string>()
  const out: PydanticIssue[] = []
  for (const error of errors) {
    const loc = locOf(error)
    const key = loc.join('.')
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ loc, ...describe(error) })
  }
  return out
}

function describe(error: AjvError): Omit<PydanticIssue, 'loc'> {
  const limit = error.params?.limit
  switch (error.keyword) {
    case 'required':
      return { msg: 'field required', type: 'value_error.missing' }
    case 'type': {
      const [msg, type] = typeMessages[String(error.params?.type)] ?? ['invalid type', 'type_error']
      return { msg, type }
    }
    case 'minimum':
      return bound('greater than or equal to', 'not_ge', limit)
    case 'maximum':
      return bound('less than or equal to', 'not_le', limit)
    case 'exclusiveMinimum':
      return bound('greater than', 'not_gt', limit)
    case 'exclusiveMaximum':
      return bound('less than', 'not_lt', limit)
    case 'minItems':
      return {
        msg: `ensure this value has at least ${String(limit)} items`,
        type: 'value_error.list.min_items',
        ctx: { limit_value: limit },
      }
    case 'const':
    case 'anyOf':
    case 'enum':
      return { msg: 'unexpected value', type: 'value_error.const' }
    default:
      return { msg: error.message ?? 'invalid value', type: 'value_error' }
  }
}

function bound(words: string, type: string, limit: unknown): Omit<PydanticIssue, 'loc'> {
  return {
    msg: `ensure this value is ${words} ${String(limit)}`,
    type: `value_error.number.${type}`,
    ctx: { limit_value: limit },
  }
}
