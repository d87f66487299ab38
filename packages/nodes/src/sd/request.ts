import type { ControlNetUnitInput } from '@sdflow/a1111'
import type { ControlNetUnit } from '@sdflow/protocol'

/** Our own params, which never go to A1111 as fields. */
const ours = new Set(['checkpoint', 'backend', 'extra', 'override_settings'])

/**
 * The A1111 request of a node: its params minus our own, the checkpoint as a per-job
 * `override_settings` entry (never a global POST /options), then `extra` merged last
 * (`alwayson_scripts` one level deep, so ControlNet units and other scripts coexist).
 */
export function requestOf<
  P extends {
    checkpoint: string
    extra: Record<string, unknown>
    override_settings: Record<string, unknown>
  },
>(params: P, omit: readonly string[] = []): Record<string, unknown> {
  const request: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(params)) {
    if (!ours.has(key) && !omit.includes(key)) request[key] = value
  }
  const override = { ...params.override_settings }
  if (params.checkpoint) override.sd_model_checkpoint = params.checkpoint
  if (Object.keys(override).length > 0) request.override_settings = override
  return mergeExtra(request, params.extra)
}

export function mergeExtra(
  request: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...request, ...extra }
  const scripts = { ...asObject(request.alwayson_scripts), ...asObject(extra.alwayson_scripts) }
  if (Object.keys(scripts).length > 0) merged.alwayson_scripts = scripts
  return merged
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

/** Units as the client sends them: always enabled, enums as strings (ControlNet >= 1.1.448). */
export function unitsOf(units: readonly ControlNetUnit[]): ControlNetUnitInput[] {
  return units.map((unit) => ({ ...unit, enabled: true }))
}
