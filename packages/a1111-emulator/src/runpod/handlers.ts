import type { FastifyInstance } from 'fastify'
import {
  fitsPyType,
  proxyConstraints,
  proxyDefaults,
  proxyEndpoints,
  proxyRequired,
  proxySchemas,
  pyTypeOf,
  schedulerSuffixes,
} from './proxy-schema.js'
import type { RunpodWorker } from './types.js'

/** What a worker's handler returns, as runpod's job runner reads it. */
export interface HandlerResult {
  output?: unknown
  /** Set: the job is FAILED with this text. */
  error?: string
  /** The worker goes cold after this job (the proxy worker's `refresh_worker`). */
  refresh?: boolean
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

async function call(a1111: FastifyInstance, method: 'GET' | 'POST', url: string, body?: unknown) {
  const response = await a1111.inject({
    method,
    url,
    ...(body !== undefined && { payload: body as Record<string, unknown> }),
  })
  let json: unknown
  try {
    json = response.json()
  } catch {
    json = { error: 'JSONDecodeError', errors: response.body.slice(0, 200) }
  }
  return { status: response.statusCode, json }
}

/**
 * runpod-workers/worker-a1111: the input goes unchanged to /sdapi/v1/txt2img and A1111's body is
 * the result; runpod pops an `error` key into the job's error (FAILED), so an A1111 500 fails
 * with its exception class name while a 422 body comes back COMPLETED.
 */
async function workerA1111(a1111: FastifyInstance, input: unknown): Promise<HandlerResult> {
  const { json } = await call(a1111, 'POST', '/sdapi/v1/txt2img', input)
  if (isRecord(json) && 'error' in json) {
    const { error, ...rest } = json
    return { error: String(error), output: rest }
  }
  return { output: json }
}

/** runpod's rp_validator over one schema: unknown, missing, mistyped, constrained. */
function validatePayload(endpoint: string, payload: Record<string, unknown>): string[] {
  const schema = proxySchemas[endpoint]
  if (!schema) return []
  const errors: string[] = []
  for (const [key, value] of Object.entries(payload)) {
    const type = schema[key]
    if (!type) {
      errors.push(`Unexpected input. ${key} is not a valid input option.`)
    } else if (!fitsPyType(value, type)) {
      errors.push(`${key} should be ${type} type, not ${pyTypeOf(value)}.`)
    } else if (proxyConstraints[key] && !proxyConstraints[key].includes(String(value))) {
      errors.push(`${key} does not meet the constraints.`)
    }
  }
  for (const key of proxyRequired[endpoint] ?? []) {
    if (!(key in payload)) errors.push(`${key} is a required input.`)
  }
  return errors
}

/** The scheduler word at the end of a sampler name moves into `scheduler` (overwriting it). */
function splitScheduler(payload: Record<string, unknown>): void {
  for (const field of ['sampler_index', 'sampler_name']) {
    const value = payload[field]
    if (typeof value !== 'string') continue
    const suffix = schedulerSuffixes.find((s) => value.toLowerCase().endsWith(s))
    if (!suffix) continue
    payload[field] = value.slice(0, -suffix.length).trimEnd()
    payload.scheduler = suffix
  }
}

/**
 * ashleykleynhans/runpod-worker-a1111: `{api: {method, endpoint}, payload}` reaches the routes its
 * schema allows, with strict payload checks; a non-200 answer fails the job and recycles the
 * worker.
 */
async function workerProxy(a1111: FastifyInstance, input: unknown): Promise<HandlerResult> {
  if (!isRecord(input)) return { error: 'input should be dict type' }
  const missing = ['api', 'payload'].filter((k) => !isRecord(input[k]))
  if (missing.length > 0) {
    return { error: missing.map((k) => `${k} is a required input.`).join('\n') }
  }
  const api = input.api as Record<string, unknown>
  const payload = { ...(input.payload as Record<string, unknown>) }
  const method = api.method
  const endpoint = typeof api.endpoint === 'string' ? api.endpoint.replace(/^\/+/, '') : ''
  if (method !== 'GET' && method !== 'POST')
    return { error: 'method does not meet the constraints.' }
  if (!proxyEndpoints.has(endpoint)) return { error: 'endpoint does not meet the constraints.' }
  if (endpoint === 'sdapi/v1/txt2img' || endpoint === 'sdapi/v1/img2img') splitScheduler(payload)
  const errors = validatePayload(endpoint, payload)
  if (errors.length > 0) return { error: errors.join('\n') }
  const body = { ...proxyDefaults[endpoint], ...payload }
  const { status, json } = await call(
    a1111,
    method,
    `/${endpoint}`,
    method === 'POST' ? body : undefined,
  )
  if (status === 200) return { output: json }
  const said =
    isRecord(json) && 'error' in json && 'errors' in json
      ? `${String(json.error)}: ${String(json.errors)}`
      : `A1111 status code: ${status}`
  return { error: said, output: json, refresh: true }
}

export function handlerOf(worker: RunpodWorker) {
  return worker === 'a1111' ? workerA1111 : workerProxy
}
