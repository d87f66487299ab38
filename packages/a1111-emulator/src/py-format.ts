/** A number that Python holds as a `float` (renders `7.0`, not `7`). */
export interface PyFloat {
  readonly pyFloat: number
}

export type PyValue =
  | null
  | boolean
  | string
  | number
  | PyFloat
  | readonly PyValue[]
  | { readonly [key: string]: PyValue }

export function pyFloat(value: number): PyFloat {
  return { pyFloat: value }
}

/** A copy of `values` whose `keys` hold Python floats where they hold a finite number. */
export function withFloats(
  values: Readonly<Record<string, unknown>>,
  keys: Iterable<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values }
  for (const key of keys) {
    const v = out[key]
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = pyFloat(v)
  }
  return out
}

export function isPyFloat(value: unknown): value is PyFloat {
  return typeof value === 'object' && value !== null && 'pyFloat' in value
}

/** Python `repr(float)`. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  const abs = Math.abs(x)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa = '0', exponent = '0'] = x.toExponential().split('e')
    const exp = Number(exponent)
    const sign = exp < 0 ? '-' : '+'
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  if (Number.isInteger(x)) return `${x}.0`
  return String(x)
}

/** Python `str(value)` for the values that appear in infotexts. */
export function pyStr(value: PyValue): string {
  if (value === null) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (isPyFloat(value)) return floatRepr(value.pyFloat)
  return pyJsonDumps(value)
}

function escapeString(s: string): string {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (code < 0x20 || code > 0x7e) {
      for (let i = 0; i < ch.length; i++) {
        out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`
      }
    } else out += ch
  }
  return `${out}"`
}

/** Python `json.dumps(value)` with default separators and `ensure_ascii=True`. */
export function pyJsonDumps(value: PyValue): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NaN'
  if (typeof value === 'string') return escapeString(value)
  if (isPyFloat(value)) {
    const r = floatRepr(value.pyFloat)
    return r === 'nan' ? 'NaN' : r === 'inf' ? 'Infinity' : r === '-inf' ? '-Infinity' : r
  }
  if (Array.isArray(value)) return `[${value.map((v: PyValue) => pyJsonDumps(v)).join(', ')}]`
  const entries = Object.entries(value as { readonly [key: string]: PyValue })
  return `{${entries.map(([k, v]) => `${escapeString(k)}: ${pyJsonDumps(v)}`).join(', ')}}`
}

/** `json.dumps(text, ensure_ascii=False)`, as A1111's infotext `quote` uses. */
export function jsonQuoteKeepUnicode(text: string): string {
  return JSON.stringify(text)
}

/** A1111 `infotext_utils.quote`: wrap values holding `,`, `:` or a newline in JSON quotes. */
export function quote(text: string): string {
  if (!text.includes(',') && !text.includes('\n') && !text.includes(':')) return text
  return jsonQuoteKeepUnicode(text)
}

/**
 * FastAPI's JSONResponse rendering (`json.dumps(ensure_ascii=False, separators=(",", ":"))`):
 * an answer's `pyFloat` values come out as Python writes floats (`7.0`).
 */
export function fastapiJson(value: unknown): string {
  if (value === undefined) return 'null'
  if (isPyFloat(value)) return pyJsonDumps(value)
  if (Array.isArray(value)) return `[${value.map((v: unknown) => fastapiJson(v)).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${fastapiJson(v)}`).join(',')}}`
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null'
  return JSON.stringify(value)
}
