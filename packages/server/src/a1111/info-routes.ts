import { freemem, totalmem } from 'node:os'
import { InternalProgressRequest, isA1111Client, type PoolCatalog } from '@sdflow/a1111'
import { withFloatOptions } from '@sdflow/a1111-emulator/options'
import { readPngText } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { A1111Failure, exception, httpException } from './a1111-errors.js'
import { callerOf } from './caller.js'
import type { CallerJob } from './caller-jobs.js'
import { fromNames } from './catalog-items.js'
import { firstAnswer, onWorkersOnly, unionOf } from './catalogs.js'
import type { FaceState } from './plugin.js'
import { internalProgress, sdapiProgress } from './progress-answers.js'
import { fastapiJson, withFloats } from './python-json.js'
import { GATEWAY_NODE } from './to-workflow.js'

/** pydantic `float` fields of A1111's ProgressResponse and ProgressResponse (internal). */
const PROGRESS_FLOATS = new Set(['progress', 'eta_relative', 'eta'])

const NO_SHARED_OPTIONS =
  "this sdflow serve coordinates workers (--redis) and none has shared its backends' options yet (a worker does once one of its A1111 backends is up); send per-job options as override_settings"

/** Catalogs (the union of healthy backends), options, progress, interrupt: A1111's other routes. */
export async function infoRoutes(app: FastifyInstance, state: FaceState): Promise<void> {
  const { sdflow } = app
  const pool = () => sdflow.runtime.pool
  const { artifacts } = sdflow.runtime.engine
  const previewOf = async (job: CallerJob | undefined): Promise<string | null> => {
    if (!job?.preview || !artifacts.has(job.preview)) return null
    return (await artifacts.read(job.preview)).toString('base64')
  }

  const list = <T>(
    path: string,
    load: Parameters<typeof unionOf<T>>[1],
    key: (i: T) => string,
    names: (catalog: PoolCatalog) => T[],
  ) =>
    app.get(path, { schema: { summary: "Union of the healthy backends' lists" } }, () =>
      unionOf(pool(), load, key, names),
    )
  list(
    '/sdapi/v1/samplers',
    (c) => c.samplers(),
    (s) => s.name,
    fromNames.samplers,
  )
  list(
    '/sdapi/v1/schedulers',
    (c) => c.schedulers(),
    (s) => s.name,
    fromNames.schedulers,
  )
  list(
    '/sdapi/v1/sd-models',
    (c) => c.sdModels(),
    (m) => m.title,
    fromNames.sdModels,
  )
  list(
    '/sdapi/v1/upscalers',
    (c) => c.upscalers(),
    (u) => u.name,
    fromNames.upscalers,
  )
  list(
    '/sdapi/v1/latent-upscale-modes',
    (c) => c.latentUpscaleModes(),
    (m) => m.name,
    fromNames.latentUpscaleModes,
  )

  app.get('/controlnet/model_list', async () => ({
    model_list: await unionOf(
      pool(),
      (c) => c.controlnetModels(),
      (m) => m,
      fromNames.controlnetModels,
    ),
  }))
  app.get('/controlnet/module_list', async () => {
    const answers = await unionOf(
      pool(),
      async (c) => [await c.controlnetModules()],
      () => '',
    )
    const lists = await unionOf(
      pool(),
      async (c) => (await c.controlnetModules()).module_list,
      (m) => m,
      fromNames.controlnetModules,
    )
    return { module_list: lists, module_detail: answers[0]?.module_detail ?? {} }
  })
  app.get('/controlnet/version', async () => {
    const models = await unionOf(
      pool(),
      (c) => c.controlnetModels(),
      (m) => m,
      fromNames.controlnetModels,
    )
    if (models.length === 0 && (pool()?.catalog().controlnetModules.length ?? 0) === 0) {
      throw new A1111Failure({ status: 404, body: { detail: 'Not Found' } })
    }
    return { version: 3 }
  })
  /** A backend's options: one of the pool's, or one a worker shared when they live on workers. */
  const backendOptions = () =>
    onWorkersOnly(pool())
      ? sdflow.runtime.coordinator?.options()
      : firstAnswer(pool(), (c) => c.options())
  app.get('/sdapi/v1/options', async (request, reply) => {
    const options = await backendOptions()
    if (!options) {
      const said = onWorkersOnly(pool()) ? NO_SHARED_OPTIONS : 'no healthy backend'
      throw new A1111Failure(httpException(503, said))
    }
    // a backend's JSON said 4.0; parsed, it is 4: written again as A1111 writes it
    reply.serializer(fastapiJson)
    return withFloatOptions({ ...options, ...state.callerOptions.get(callerOf(request)) })
  })
  app.post(
    '/sdapi/v1/options',
    {
      schema: {
        summary: "Options for this caller's later jobs (sent as override_settings, never global)",
      },
    },
    async (request) => {
      const body = request.body
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        throw new A1111Failure(exception('TypeError', 'options must be a JSON object'))
      }
      const known = await backendOptions()
      for (const key of Object.keys(body)) {
        if (known && !(key in known)) throw new A1111Failure(exception('KeyError', `'${key}'`))
      }
      const caller = callerOf(request)
      state.callerOptions.set(caller, { ...state.callerOptions.get(caller), ...body })
      return null
    },
  )

  app.get('/sdapi/v1/progress', async (request, reply) => {
    const live = state.jobs.live(callerOf(request))
    const job = live.find((j) => j.phase === 'running') ?? live[0]
    const query = request.query as { skip_current_image?: string }
    const preview = query.skip_current_image === 'true' ? null : await previewOf(job)
    reply.serializer(fastapiJson)
    return withFloats(sdapiProgress(job, preview, Date.now()), PROGRESS_FLOATS)
  })
  app.post(
    '/internal/progress',
    { schema: { summary: "Progress of one of the caller's tasks", body: InternalProgressRequest } },
    async (request, reply) => {
      const body = request.body as InternalProgressRequest
      const job = state.jobs.byTask(callerOf(request), body.id_task)
      const preview = body.live_preview === false ? null : await previewOf(job)
      reply.serializer(fastapiJson)
      const answer = internalProgress(job, preview, body.id_live_preview ?? -1, Date.now())
      return withFloats(answer, PROGRESS_FLOATS)
    },
  )
  // only jobs on a backend: A1111 never cancels queued work either
  const onBackends = async (caller: string, act: 'interrupt' | 'skip') => {
    for (const job of state.jobs.live(caller)) {
      if (job.phase !== 'running' || !job.backend) continue
      if (act === 'interrupt') job.interrupted = true
      const client = pool()?.client(job.backend)
      if (client && isA1111Client(client)) await client[act]().catch(() => undefined)
    }
  }
  app.post('/sdapi/v1/interrupt', async (request) => {
    if (onWorkersOnly(pool())) {
      // the backends live on workers: cancelling the run makes the worker interrupt its job
      for (const job of state.jobs.live(callerOf(request))) {
        if (job.phase !== 'running') continue
        job.interrupted = true
        sdflow.runs.cancel(job.runId)
      }
      return {}
    }
    await onBackends(callerOf(request), 'interrupt')
    return {}
  })
  // A1111's skip ends the running iteration (of n_iter) and the job goes on with the next
  app.post('/sdapi/v1/skip', async (request) => {
    const { coordinator } = sdflow.runtime
    if (coordinator && onWorkersOnly(pool())) {
      // the worker running the call skips on its backend
      for (const job of state.jobs.live(callerOf(request))) {
        if (job.phase === 'running')
          await coordinator.skip({ runId: job.runId, nodeId: GATEWAY_NODE })
      }
      return null
    }
    await onBackends(callerOf(request), 'skip')
    return null
  })

  app.get('/internal/ping', async () => ({}))
  app.get('/sdapi/v1/memory', async () => {
    const total = totalmem()
    const free = freemem()
    return { ram: { free, used: total - free, total }, cuda: { error: 'unavailable' } }
  })
  app.post('/sdapi/v1/png-info', async (request) => {
    const image = (request.body as { image?: unknown } | undefined)?.image
    if (typeof image !== 'string' || image === '') {
      throw new A1111Failure(httpException(404, 'Image not found'))
    }
    const payload = image.replace(/^data:image\/[a-z0-9.+-]+;base64,/i, '')
    const { parameters = '', ...items } = readPngText(Buffer.from(payload, 'base64'))
    return { info: parameters, items, parameters: parseInfotext(parameters) }
  })
}

/** A1111's infotext as `Prompt`, `Negative prompt` and its `Key: value` pairs (as strings). */
function parseInfotext(text: string): Record<string, string> {
  if (!text) return {}
  const lines = text.split('\n')
  const last = lines[lines.length - 1] ?? ''
  const pairs = [...last.matchAll(/\s*([\w ]+):\s*("(?:\\.|[^"])*"|[^,]*)(?:,|$)/g)]
  const hasParams = pairs.length >= 3
  const head = hasParams ? lines.slice(0, -1) : lines
  const negativeAt = head.findIndex((l) => l.startsWith('Negative prompt:'))
  const out: Record<string, string> = {
    Prompt: (negativeAt >= 0 ? head.slice(0, negativeAt) : head).join('\n'),
  }
  if (negativeAt >= 0) {
    out['Negative prompt'] = head
      .slice(negativeAt)
      .join('\n')
      .slice('Negative prompt:'.length)
      .trim()
  }
  if (hasParams) for (const [, key, value] of pairs) if (key) out[key.trim()] = (value ?? '').trim()
  return out
}
