import {
  fastapiJson,
  type PyValue,
  pyFloat,
  pyJsonDumps,
  withFloats,
} from '@sdflow/a1111-emulator/python'

/** How A1111's answers are written: the emulator's statement of Python's JSON, shared. */
export { fastapiJson, pyFloat, withFloats }

/** `json.dumps` as A1111 writes `info`: `", "` and `": "` separators, non-ASCII as \uXXXX. */
export function pythonJson(value: unknown): string {
  // a round trip drops what JSON cannot hold (undefined fields), as the stored meta would
  return pyJsonDumps(JSON.parse(JSON.stringify(value ?? null)) as PyValue)
}
