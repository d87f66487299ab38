/** Our own fields, which the proxy worker's strict schema would refuse as unknown. */
const ours = new Set(['force_task_id'])

/**
 * The payload as ashleykleynhans/runpod-worker-a1111 accepts it: its validator refuses unknown
 * fields and `null` values (a1111-api.md §8), so our own fields and empty values stay out.
 * Everything else goes as is; a field it still refuses comes back as SDF_BACKEND_REJECTED.
 */
export function proxyPayload(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(payload)) {
    if (!ours.has(key) && value !== null && value !== undefined) out[key] = value
  }
  // its scheduler check takes A1111's names (`karras`), not the labels (`Karras`)
  if (typeof out.scheduler === 'string') {
    out.scheduler = out.scheduler.toLowerCase().replace(/ /g, '_')
  }
  return out
}
