/** A number Python holds as a `float`: JSON writes it `7.0`, not `7`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Python `repr(float)` for finite values (A1111 answers never hold nan or inf). */
function floatRepr(x: number): string {
  const abs = Math.abs(x)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa = '0', exponent = '0'] = x.toExponential().split('e')
    const exp = Number(exponent)
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  return Number.isInteger(x) ? `${x}.0` : String(x)
}

/** A copy of `body` with its float fields' numbers as `PyFloat`. */
export function withPyFloats(
  body: Record<string, unknown>,
  floats: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body }
  for (const name of floats) {
    const v = out[name]
    if (typeof v === 'number' && Number.isFinite(v)) out[name] = new PyFloat(v)
  }
  return out
}

/** FastAPI's JSONResponse text (`separators=(",", ":")`, non-ASCII kept), `PyFloat`s as floats. */
export function fastapiJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value instanceof PyFloat) return floatRepr(value.value)
  if (Array.isArray(value)) return `[${value.map((v: unknown) => fastapiJson(v)).join(',')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${fastapiJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** `json.dumps` as A1111 writes `info`: `", "` and `": "` separators, non-ASCII as \uXXXX. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value instanceof PyFloat) return floatRepr(value.value)
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${asciiString(k)}: ${pythonJson(v)}`).join(', ')}}`
  }
  if (typeof value === 'string') return asciiString(value)
  return JSON.stringify(value)
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
