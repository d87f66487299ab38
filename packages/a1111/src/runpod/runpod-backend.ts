import { randomUUID } from 'node:crypto'
import { fail, type SdflowError } from '@sdflow/protocol'
import type { ValidateFunction } from 'ajv'
import type { Backend, Capabilities, Operation } from '../backend.js'
import { type CatalogSource, loadCatalog } from '../catalog.js'
import type { RunpodBackendConfig } from '../config.js'
import type { FailureSite } from '../errors.js'
import { type GenerationResult, readGeneration } from '../generation.js'
import type { HttpTarget } from '../http.js'
import { requestJson } from '../http.js'
import { img2imgWire, txt2imgWire } from '../inputs.js'
import type { CallOptions, GenerateOptions } from '../options.js'
import { checkRequest, parseResponse, validators } from '../parse.js'
import { expectedSteps } from '../progress.js'
import type * as S from '../schemas/index.js'
import { isValidationBody, rejectedOutput } from './job-failure.js'
import { createJobPace } from './job-pace.js'
import { proxyPayload } from './proxy-payload.js'
import { type JobDone, runJob } from './run-job.js'
import { runpodValidators } from './validators.js'

/** What each worker image can do (a1111-api.md §8). */
const capabilitiesOf: Record<RunpodBackendConfig['worker'], Capabilities> = {
  // runpod-workers/worker-a1111 forwards every job to /sdapi/v1/txt2img and has no list route
  a1111: { operations: ['txt2img'], catalog: false },
  // the proxy's allowed routes have txt2img and img2img (no mask field), list GETs, no extras
  'a1111-proxy': { operations: ['txt2img', 'img2img'], catalog: true },
}

/**
 * The `runpod` transport: each operation is one serverless job (submit, poll, cancel). The job
 * input is the A1111 txt2img body for worker-a1111, and `{api: {method, endpoint}, payload}`
 * for the proxy worker. The API key goes in the Authorization header only.
 */
export function openRunpod(config: RunpodBackendConfig): Backend {
  const http: HttpTarget = {
    id: config.id,
    base: config.url,
    authorization: `Bearer ${config.apiKey}`,
  }
  const { timeouts, worker } = config
  const capabilities = capabilitiesOf[worker]
  const site = (route: string): FailureSite => ({ backend: config.id, route })
  const pace = createJobPace()

  const unsupported = (operation: Operation): SdflowError =>
    fail(
      'SDF_BACKEND_NONE_AVAILABLE',
      `backend "${config.id}" (RunPod worker ${worker}) cannot run ${operation}; the pool sends it only ${capabilities.operations.join(', ')}`,
      { details: { backend: config.id, operation } },
    )

  /** The job input of one A1111 call for this worker image. */
  const inputOf = (method: 'GET' | 'POST', endpoint: string, payload: Record<string, unknown>) =>
    worker === 'a1111' ? payload : { api: { method, endpoint }, payload: proxyPayload(payload) }

  const generate = async (
    kind: 'txt2img' | 'img2img',
    wire: S.Txt2ImgRequest | S.Img2ImgRequest,
    call: GenerateOptions,
  ): Promise<GenerationResult> => {
    const route = `/sdapi/v1/${kind}`
    const where = site(`job ${route}`)
    const body = { ...wire, send_images: true }
    checkRequest(
      kind === 'txt2img' ? validators.txt2imgRequest : validators.img2imgRequest,
      body,
      kind,
    )
    const done = await runJob(http, timeouts, inputOf('POST', route, body), {
      request: body,
      route: `job POST ${route}`,
      totalSteps: expectedSteps(kind, wire),
      pace,
      ...(call.signal && { signal: call.signal }),
      ...(call.onProgress && { onProgress: call.onProgress }),
    })
    const output = completedOutput(done, where, body)
    const parsed = parseResponse(validators.generation, output, where)
    const result = await readGeneration(
      parsed,
      { batchSize: wire.batch_size ?? 1, nIter: wire.n_iter ?? 1 },
      call.artifacts,
      where,
      call.taskId ?? `sdflow-${randomUUID()}`,
    )
    if (done.executionMs !== undefined) {
      result.timing = { gpuMs: done.executionMs, queueMs: done.delayMs ?? 0 }
    }
    return result
  }

  /** A proxied GET (the catalog of the proxy worker). */
  const get = async <T>(
    endpoint: string,
    validate: ValidateFunction<T>,
    call: CallOptions = {},
  ) => {
    const where = site(`job GET ${endpoint}`)
    const done = await runJob(http, timeouts, inputOf('GET', endpoint, {}), {
      request: {},
      route: `job GET ${endpoint}`,
      ...(call.signal && { signal: call.signal }),
    })
    return parseResponse(validate, completedOutput(done, where, {}), where)
  }

  const source: CatalogSource = {
    sdModels: (call) => get('/sdapi/v1/sd-models', validators.sdModels, call),
    samplers: (call) => get('/sdapi/v1/samplers', validators.samplers, call),
    schedulers: (call) => get('/sdapi/v1/schedulers', validators.schedulers, call),
    upscalers: (call) => get('/sdapi/v1/upscalers', validators.upscalers, call),
    latentUpscaleModes: (call) =>
      get('/sdapi/v1/latent-upscale-modes', validators.latentUpscaleModes, call),
    async controlnetModels(call) {
      return (await get('/controlnet/model_list', validators.controlnetModels, call)).model_list
    },
    // the proxy refuses /controlnet/module_list: modules go unchecked there
    controlnetModules: async () => ({ module_list: [] }),
    options: (call) => get('/sdapi/v1/options', validators.options, call),
  }

  return {
    id: config.id,
    kind: 'runpod',
    url: config.url,
    timeouts,
    capabilities,
    async txt2img(request, call) {
      return generate('txt2img', await txt2imgWire(call.artifacts, request), call)
    },
    async img2img(request, call) {
      if (!capabilities.operations.includes(request.mask ? 'inpaint' : 'img2img')) {
        throw unsupported(request.mask ? 'inpaint' : 'img2img')
      }
      return generate('img2img', await img2imgWire(call.artifacts, request), call)
    },
    async extraSingleImage() {
      throw unsupported('extras')
    },
    async controlnetDetect() {
      throw unsupported('detect')
    },
    async probe(call = {}) {
      const answer = await requestJson(http, {
        method: 'GET',
        path: '/health',
        signal: call.signal,
        timeoutMs: timeouts.probeMs,
      })
      const health = parseResponse(runpodValidators.health, answer, site('GET /health'))
      const w = health.workers
      return {
        workers: { idle: w.idle ?? 0, running: w.running ?? 0, initializing: w.initializing ?? 0 },
      }
    },
    async loadCatalog(call = {}) {
      if (!capabilities.catalog) {
        throw fail(
          'SDF_BACKEND_ERROR',
          `backend "${config.id}" (RunPod worker ${worker}) has no catalog`,
        )
      }
      return loadCatalog(source, call)
    },
  }
}

/** A COMPLETED job's output; an A1111 422 body passed through is a refusal naming the field. */
function completedOutput(
  done: JobDone,
  where: FailureSite,
  request: Record<string, unknown>,
): unknown {
  if (isValidationBody(done.output)) throw rejectedOutput(where, done.output, request)
  return done.output
}
