/**
 * JSON with object keys sorted at every depth: equal values give equal text. Cache keys are
 * hashes of this text and live on disk, so it must never change; it is built by appending (no
 * entry arrays, no joins) since every node of a run computes one.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ','
      // a hole stays empty, as Array.prototype.join leaves it
      if (i in value) out += canonicalJson(value[i])
    }
    return `${out}]`
  }
  const record = value as Record<string, unknown>
  let out = '{'
  for (const key of Object.keys(record).sort()) {
    const child = record[key]
    if (child === undefined) continue
    if (out.length > 1) out += ','
    out += `${JSON.stringify(key)}:${canonicalJson(child)}`
  }
  return `${out}}`
}
