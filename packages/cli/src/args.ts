import { fail } from '@sdflow/protocol'

/** Run node:util parseArgs, turning its errors into SDF_CLI_USAGE. */
export function usage<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify.*$/s, '')
    // main suggests the closest documented flag
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1]
    throw fail('SDF_CLI_USAGE', message, unknown ? { details: { unknownOption: unknown } } : {})
  }
}

/** `--set name=value` pairs as an object; the value stays text until the param type reads it. */
export function parseSets(sets: readonly string[] | undefined): Record<string, string> {
  const values: Record<string, string> = {}
  for (const set of sets ?? []) {
    const at = set.indexOf('=')
    if (at <= 0) throw fail('SDF_CLI_USAGE', `--set ${set}: expected name=value`)
    values[set.slice(0, at)] = set.slice(at + 1)
  }
  return values
}
