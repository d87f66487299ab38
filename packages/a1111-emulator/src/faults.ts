import { FaultKinds, type FaultSpec } from './types.js'

export interface FaultRegistry {
  add(fault: FaultSpec): void
  clear(): void
  /** Consumes one use of the first fault matching `route`. */
  take(route: string): FaultSpec | undefined
  list(): FaultSpec[]
  /** Aborted by the next clear(): what releases `stuck` jobs. */
  readonly cleared: AbortSignal
}

interface ArmedFault {
  spec: FaultSpec
  remaining: number
}

export function createFaultRegistry(initial: readonly FaultSpec[] = []): FaultRegistry {
  let armed: ArmedFault[] = []
  let clearing = new AbortController()
  const registry: FaultRegistry = {
    get cleared() {
      return clearing.signal
    },
    add(fault) {
      armed.push({ spec: { ...fault }, remaining: fault.count ?? 1 })
    },
    clear() {
      armed = []
      clearing.abort()
      clearing = new AbortController()
    },
    take(route) {
      const hit = armed.find((a) => a.spec.route === '*' || a.spec.route === route)
      if (!hit) return undefined
      hit.remaining -= 1
      if (hit.remaining <= 0) armed = armed.filter((a) => a !== hit)
      return hit.spec
    },
    list() {
      return armed.map((a) => ({ ...a.spec, count: a.remaining }))
    },
  }
  for (const f of initial) registry.add(f)
  return registry
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Validates the body of `POST /emulator/faults`; returns the specs or a message. */
export function parseFaultSpecs(body: unknown): FaultSpec[] | string {
  const items = Array.isArray(body) ? body : [body]
  const out: FaultSpec[] = []
  for (const [i, item] of items.entries()) {
    if (!isRecord(item)) return `fault ${i} must be an object`
    const { route, kind, count, delayMs } = item
    if (typeof route !== 'string' || route === '') return `fault ${i}: route must be a string`
    const known = FaultKinds.find((k) => k === kind)
    if (!known) return `fault ${i}: kind must be one of ${FaultKinds.join(', ')}`
    if (
      count !== undefined &&
      (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
    ) {
      return `fault ${i}: count must be a positive integer`
    }
    if (delayMs !== undefined && (typeof delayMs !== 'number' || delayMs < 0)) {
      return `fault ${i}: delayMs must be a non-negative number`
    }
    const spec: FaultSpec = { route, kind: known }
    if (typeof count === 'number') spec.count = count
    if (typeof delayMs === 'number') spec.delayMs = delayMs
    out.push(spec)
  }
  return out
}
