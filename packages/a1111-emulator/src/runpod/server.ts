import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { answerOf, createEndpoint, type Job } from './endpoint.js'
import {
  type RunningRunpodEmulator,
  type RunpodEmulatorOptions,
  type RunpodFault,
  RunpodFaultKinds,
} from './types.js'

export interface StartRunpodOptions extends RunpodEmulatorOptions {
  port?: number
  host?: string
}

/** Room for several base64 images in one job input (RunPod allows 10 MB on /run, 20 on /runsync). */
const BODY_LIMIT = 64 * 1024 * 1024

const clampWait = (text: unknown, fallback: number) => {
  const n = Number(text)
  return Number.isFinite(n) ? Math.min(300_000, Math.max(1000, n)) : fallback
}

/**
 * The RunPod serverless API of one endpoint (`/v2/{endpoint}/run`, `/runsync`, `/status/{id}`,
 * `/status-sync/{id}`, `/cancel/{id}`, `/health`, `/purge-queue`) in front of embedded A1111
 * emulators, one per worker. `/emulator/faults` (outside `/v2`) arms faults.
 */
export async function startRunpodEmulator(
  options: StartRunpodOptions = {},
): Promise<RunningRunpodEmulator> {
  const endpointId = options.endpointId ?? 'sdflow-emulator'
  const endpoint = createEndpoint(options)
  for (const fault of options.faults ?? []) endpoint.addFault(fault)
  const requests: Record<string, number> = {}
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true })
  app.addHook('preClose', async () => endpoint.close())

  const base = `/v2/${endpointId}`
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (!path.startsWith(`${base}/`)) return
    const route = path.slice(base.length).replace(/^\/(status|status-sync|cancel)\/.*$/, '/$1')
    const key = `${request.method} ${route}`
    requests[key] = (requests[key] ?? 0) + 1
    if (!options.apiKey) return
    const given = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '')
    if (given !== options.apiKey) return reply.code(401).send({ error: 'Unauthorized' })
  })

  const jobOf = (request: FastifyRequest, reply: FastifyReply): Job | undefined => {
    const job = endpoint.get((request.params as { id: string }).id)
    if (!job) void reply.code(404).send({ error: 'request does not exist' })
    return job
  }
  const submit = (request: FastifyRequest, reply: FastifyReply): Job | undefined => {
    const body = request.body as { input?: unknown } | undefined
    if (!body || body.input === undefined) {
      void reply.code(400).send({ error: 'the request body needs an "input"' })
      return undefined
    }
    const job = endpoint.submit(body.input)
    if (job === 'rate-limited') {
      void reply.code(429).send({ error: 'the queue of this endpoint is full; retry later' })
      return undefined
    }
    return job
  }

  app.post(`${base}/run`, async (request, reply) => {
    const job = submit(request, reply)
    return job && { id: job.id, status: job.status }
  })
  app.post(`${base}/runsync`, async (request, reply) => {
    const job = submit(request, reply)
    if (!job) return
    await endpoint.wait(job, clampWait((request.query as { wait?: string }).wait, 90_000))
    return answerOf(job)
  })
  app.get(`${base}/status/:id`, async (request, reply) => {
    const job = jobOf(request, reply)
    return job && answerOf(job)
  })
  app.get(`${base}/status-sync/:id`, async (request, reply) => {
    const job = jobOf(request, reply)
    if (!job) return
    await endpoint.wait(job, clampWait((request.query as { wait?: string }).wait, 90_000))
    return answerOf(job)
  })
  app.post(`${base}/cancel/:id`, async (request, reply) => {
    const job = jobOf(request, reply)
    if (!job) return
    await endpoint.cancel(job)
    return { id: job.id, status: job.status }
  })
  app.get(`${base}/health`, async () => endpoint.health())
  app.post(`${base}/purge-queue`, async () => ({ removed: endpoint.purge(), status: 'completed' }))

  app.post('/emulator/faults', async (request, reply) => {
    const specs = (Array.isArray(request.body) ? request.body : [request.body]) as RunpodFault[]
    for (const spec of specs) {
      if (!RunpodFaultKinds.includes(spec?.kind)) {
        return reply.code(400).send({ error: `kind must be one of ${RunpodFaultKinds.join(', ')}` })
      }
      endpoint.addFault(spec)
    }
    return { ok: true }
  })
  app.delete('/emulator/faults', async () => {
    endpoint.clearFaults()
    return { ok: true }
  })
  app.get('/emulator/stats', async () => endpoint.stats(requests))

  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const { port } = app.server.address() as AddressInfo
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${urlHost}:${port}${base}`,
    port,
    endpointId,
    close: () => app.close(),
    stats: () => endpoint.stats(requests),
    injectFault: (fault) => endpoint.addFault(fault),
    clearFaults: () => endpoint.clearFaults(),
  }
}
