import { fastapiJson, type PyValue, pyFloat, pyJsonDumps } from '@sdflow/a1111-emulator/python'

/** How A1111's answers are written: the emulator's statement of Python's JSON, shared. */
export { fastapiJson, pyFloat }

/** A copy of `body` with its float fields' numbers as Python floats (`7.0`). */
export function withPyFloats(
  body: Record<string, unknown>,
  floats: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body }
  for (const name of floats) {
    const v = out[name]
    if (typeof v === 'number' && Number.isFinite(v)) out[name] = pyFloat(v)
  }
  return out
}

/** `json.dumps` as A1111 writes `info`: `", "` and `": "` separators, non-ASCII as \uXXXX. */
export function pythonJson(value: unknown): string {
  // a round trip drops what JSON cannot hold (undefined fields), as the stored meta would
  return pyJsonDumps(JSON.parse(JSON.stringify(value ?? null)) as PyValue)
}
