import { randomUUID } from 'node:crypto'
import type { ArtifactStore } from '@sdflow/engine'
import { type ImageRef, SdflowError } from '@sdflow/protocol'
import type { ValidateFunction } from 'ajv'
import type { Backend } from './backend.js'
import { storeBase64 } from './base64.js'
import { loadCatalog } from './catalog.js'
import { createDeadline } from './deadline.js'
import { type FailureSite, frozen, httpFailure, timedOut } from './errors.js'
import { type GenerationResult, readGeneration } from './generation.js'
import { basicAuth, type HttpTarget, requestJson } from './http.js'
import { detectWire, extrasWire, img2imgWire, txt2imgWire } from './inputs.js'
import type { CallOptions, GenerateOptions } from './options.js'
import { interruptOurs } from './own-interrupt.js'
import { checkRequest, parseResponse, refuseProblems, validators } from './parse.js'
import {
  expectedSteps,
  fromInternalProgress,
  fromSdapiProgress,
  type ProgressSample,
  watchProgress,
} from './progress.js'
import { generationImages, imageAnswerCap } from './response-cap.js'
import type * as S from './schemas/index.js'
import { type Timeouts, withDefaultTimeouts } from './timeouts.js'

export interface BasicAuth {
  username: string
  password: string
}

export type { CallOptions, GenerateOptions, ImageCallOptions } from './options.js'

export interface ClientOptions {
  id: string
  url: string
  auth?: BasicAuth
  /** Extra request headers (an API gateway's `Authorization: Bearer ...`). */
  headers?: Record<string, string>
  timeouts?: Partial<Timeouts>
  /** Cap on every answer, in bytes; default: derived from maxPixels and the images expected. */
  maxResponseBytes?: number
}

/** The `a1111` transport: the Backend interface plus A1111's own routes. */
export interface A1111Client extends Backend {
  progress(options?: CallOptions & { skipCurrentImage?: boolean }): Promise<S.ProgressResponse>
  internalProgress(
    request: S.InternalProgressRequest,
    options?: CallOptions,
  ): Promise<S.InternalProgressResponse>
  /** Whether POST /internal/progress exists here (asked once; 404 means no). */
  hasInternalProgress(options?: CallOptions): Promise<boolean>
  interrupt(options?: CallOptions): Promise<void>
  /** POST /sdapi/v1/skip: the current iteration of the running job ends; the job goes on. */
  skip(options?: CallOptions): Promise<void>
  /** Health check: GET /sdapi/v1/progress?skip_current_image=true within timeouts.probeMs. */
  ping(options?: CallOptions): Promise<void>
  options(options?: CallOptions): Promise<S.OptionsResponse>
  sdModels(options?: CallOptions): Promise<S.SdModel[]>
  samplers(options?: CallOptions): Promise<S.Sampler[]>
  schedulers(options?: CallOptions): Promise<S.Scheduler[]>
  upscalers(options?: CallOptions): Promise<S.Upscaler[]>
  latentUpscaleModes(options?: CallOptions): Promise<S.LatentUpscaleModesResponse>
  controlnetModels(options?: CallOptions): Promise<string[]>
  /** `aliasNames`: the UI labels instead of the names, in the same order. */
  controlnetModules(
    options?: CallOptions & { aliasNames?: boolean },
  ): Promise<S.ControlnetModuleListResponse>
}

/** Whether a pooled backend is the `a1111` transport, with A1111's own routes (lists, interrupt). */
export function isA1111Client(backend: Backend): backend is A1111Client {
  return backend.kind === 'a1111'
}

/** The longest timer Node sets; the generation's own deadline ends it sooner. */
const MAX_TIMER_MS = 2_147_483_647
/** The progress watch's longest interval (its default maxIntervalMs). */
const PROGRESS_MAX_MS = 1_000

/** An HTTP client for one A1111 backend. Credentials stay in `auth`, never in the URL. */
export function createClient(options: ClientOptions): A1111Client {
  const url = options.url.replace(/\/+$/, '')
  const target: HttpTarget = {
    id: options.id,
    base: url,
    authorization: basicAuth(options.auth),
    ...(options.headers && { headers: options.headers }),
  }
  const timeouts = withDefaultTimeouts(options.timeouts)
  const site = (method: string, path: string): FailureSite => ({
    backend: options.id,
    route: `${method} ${path}`,
  })
  let internalKnown: boolean | undefined
  const capFor = (artifacts: ArtifactStore, images: number) =>
    options.maxResponseBytes ?? imageAnswerCap(artifacts.maxPixels, images)

  const get = async <T>(
    path: string,
    validate: ValidateFunction<T>,
    call: CallOptions = {},
    query?: Record<string, string>,
    timeoutMs = timeouts.connectMs,
  ): Promise<T> => {
    const body = await requestJson(target, {
      method: 'GET',
      path,
      query,
      signal: call.signal,
      timeoutMs,
    })
    return parseResponse(validate, body, site('GET', path))
  }

  const post = async <T>(
    path: string,
    validate: ValidateFunction<T>,
    body: unknown,
    call: CallOptions,
    timeoutMs: number,
    maxBytes?: number,
  ): Promise<T> => {
    const answer = await requestJson(target, {
      method: 'POST',
      path,
      body,
      signal: call.signal,
      timeoutMs,
      maxBytes,
    })
    return parseResponse(validate, answer, site('POST', path))
  }

  const interrupt = async (call: CallOptions = {}): Promise<void> => {
    await requestJson(target, {
      method: 'POST',
      path: '/sdapi/v1/interrupt',
      signal: call.signal,
      timeoutMs: timeouts.connectMs,
    })
  }

  const skip = async (call: CallOptions = {}): Promise<void> => {
    await requestJson(target, {
      method: 'POST',
      path: '/sdapi/v1/skip',
      signal: call.signal,
      timeoutMs: timeouts.connectMs,
    })
  }

  const internalProgress = (request: S.InternalProgressRequest, call: CallOptions = {}) =>
    post('/internal/progress', validators.internalProgress, request, call, timeouts.connectMs)

  const progress = (call: CallOptions & { skipCurrentImage?: boolean } = {}) =>
    get('/sdapi/v1/progress', validators.progress, call, {
      skip_current_image: String(call.skipCurrentImage ?? true),
    })

  const hasInternalProgress = async (call: CallOptions = {}): Promise<boolean> => {
    if (internalKnown !== undefined) return internalKnown
    try {
      await internalProgress({ id_task: 'sdflow-probe', live_preview: false }, call)
      internalKnown = true
    } catch (error) {
      if (error instanceof SdflowError && error.issue.details?.status === 404) {
        internalKnown = false
      } else if (error instanceof SdflowError) {
        return false // unknown for now: fall back this time, ask again next time
      } else {
        throw error
      }
    }
    return internalKnown
  }

  /**
   * Run one generation: force_task_id, progress watch, frozen/timeout/cancel -> interrupt (of our
   * job only). Time spent waiting in A1111's queue behind another job (the pool sends one ahead)
   * does not count toward requestMs while /internal/progress shows ours queued.
   */
  const generate = async (
    kind: 'txt2img' | 'img2img',
    wire: S.Txt2ImgRequest | S.Img2ImgRequest,
    call: GenerateOptions,
  ): Promise<GenerationResult> => {
    const path = `/sdapi/v1/${kind}`
    const where = site('POST', path)
    const taskId = call.taskId ?? `sdflow-${randomUUID()}`
    const body = { ...wire, force_task_id: taskId, send_images: true }
    checkRequest(
      kind === 'txt2img' ? validators.txt2imgRequest : validators.img2imgRequest,
      body,
      kind,
    )
    refuseProblems(kind, body, call.artifacts.maxPixels)
    const useInternal = await hasInternalProgress({ signal: call.signal })
    const inner = new AbortController()
    const signal = call.signal ? AbortSignal.any([call.signal, inner.signal]) : inner.signal
    const deadline = createDeadline(timeouts.requestMs, () =>
      inner.abort(timedOut(where, timeouts.requestMs)),
    )
    let lastPreviewId = -1
    const poll = async (pollSignal: AbortSignal, withPreview: boolean): Promise<ProgressSample> => {
      if (useInternal) {
        const answer = await internalProgress(
          { id_task: taskId, id_live_preview: lastPreviewId, live_preview: withPreview },
          { signal: pollSignal },
        )
        if (answer.live_preview && answer.id_live_preview !== null) {
          lastPreviewId = answer.id_live_preview
        }
        const sample = fromInternalProgress(answer)
        if (sample.running || sample.done) return sample
        // polled at most PROGRESS_MAX_MS apart while queued: it waits at least until the next look
        if (sample.queued) deadline.extend(PROGRESS_MAX_MS)
        // queued or not registered yet: waiting is fine while the job ahead of ours moves
        const ahead = fromSdapiProgress(await progress({ signal: pollSignal }))
        return {
          ...sample,
          queued: false,
          waiting: sample.queued,
          signature: sample.signature + ahead.signature,
        }
      }
      return fromSdapiProgress(
        await progress({ signal: pollSignal, skipCurrentImage: !withPreview }),
      )
    }
    const watch = watchProgress({
      poll,
      totalSteps: expectedSteps(kind, wire),
      frozenMs: timeouts.frozenMs,
      onFrozen: () => inner.abort(frozen(where, timeouts.frozenMs)),
      onProgress: call.onProgress,
      previewEveryMs: call.onProgress ? (call.previewEveryMs ?? 1000) : 0,
      maxIntervalMs: PROGRESS_MAX_MS,
      storePreview: (text) => storeBase64(call.artifacts, text, where, 'live preview'),
    })
    let answer: unknown
    try {
      answer = await requestJson(target, {
        method: 'POST',
        path,
        body,
        signal,
        timeoutMs: useInternal ? MAX_TIMER_MS : timeouts.requestMs,
        maxBytes: capFor(call.artifacts, generationImages(wire)),
      })
    } catch (error) {
      const code = error instanceof SdflowError ? error.code : undefined
      if (signal.aborted || code === 'SDF_BACKEND_TIMEOUT') {
        if (useInternal) {
          await interruptOurs(client, taskId, timeouts.requestMs, timeouts.connectMs)
        } else {
          await interrupt().catch(() => undefined)
        }
      }
      throw error
    } finally {
      deadline.stop()
      watch.stop()
    }
    const parsed = parseResponse(validators.generation, answer, where)
    return readGeneration(
      parsed,
      { batchSize: wire.batch_size ?? 1, nIter: wire.n_iter ?? 1 },
      call.artifacts,
      where,
      taskId,
    )
  }

  const client: A1111Client = {
    id: options.id,
    kind: 'a1111',
    url,
    timeouts,
    capabilities: {
      operations: ['txt2img', 'img2img', 'inpaint', 'extras', 'detect'],
      catalog: true,
    },
    async txt2img(request, call) {
      return generate('txt2img', await txt2imgWire(call.artifacts, request), call)
    },
    async img2img(request, call) {
      return generate('img2img', await img2imgWire(call.artifacts, request), call)
    },
    async extraSingleImage(request, call) {
      const wire = await extrasWire(call.artifacts, request)
      checkRequest(validators.extraSingleImageRequest, wire, 'extra-single-image')
      refuseProblems('extra-single-image', wire, call.artifacts.maxPixels)
      const path = '/sdapi/v1/extra-single-image'
      const cap = capFor(call.artifacts, 1)
      const answer = await post(
        path,
        validators.extraSingleImage,
        wire,
        call,
        timeouts.requestMs,
        cap,
      )
      const image = await storeBase64(call.artifacts, answer.image, site('POST', path), '/image')
      return { image, htmlInfo: answer.html_info ?? '' }
    },
    async controlnetDetect(request, call) {
      const wire = await detectWire(call.artifacts, request)
      checkRequest(validators.controlnetDetectRequest, wire, 'controlnet detect')
      const path = '/controlnet/detect'
      const where = site('POST', path)
      const given = wire.controlnet_input_images
      const cap = capFor(call.artifacts, Array.isArray(given) ? given.length : 1)
      const answer = await post(
        path,
        validators.controlnetDetect,
        wire,
        call,
        timeouts.requestMs,
        cap,
      )
      if (!answer.images) {
        const said = answer.tensor ? 'returns tensors, not images' : (answer.info ?? 'no images')
        throw httpFailure(where, 422, JSON.stringify({ detail: `Module not supported: ${said}` }), {
          controlnet_module: request.controlnet_module,
        })
      }
      const images: ImageRef[] = []
      for (const [i, text] of answer.images.entries()) {
        images.push(await storeBase64(call.artifacts, text, where, `/images/${i}`))
      }
      const out: { images: ImageRef[]; poses?: unknown[]; info?: string } = { images }
      if (answer.poses) out.poses = answer.poses
      if (answer.info !== undefined) out.info = answer.info
      return out
    },
    progress,
    internalProgress,
    hasInternalProgress,
    interrupt,
    skip,
    async ping(call = {}) {
      await get(
        '/sdapi/v1/progress',
        validators.progress,
        call,
        { skip_current_image: 'true' },
        timeouts.probeMs,
      )
    },
    async probe(call = {}) {
      await client.ping(call)
      // learnt here, before any job: the first generations do not wait for the question
      await hasInternalProgress(call)
      return {}
    },
    loadCatalog: (call) => loadCatalog(client, call),
    options: (call) => get('/sdapi/v1/options', validators.options, call),
    sdModels: (call) => get('/sdapi/v1/sd-models', validators.sdModels, call),
    samplers: (call) => get('/sdapi/v1/samplers', validators.samplers, call),
    schedulers: (call) => get('/sdapi/v1/schedulers', validators.schedulers, call),
    upscalers: (call) => get('/sdapi/v1/upscalers', validators.upscalers, call),
    latentUpscaleModes: (call) =>
      get('/sdapi/v1/latent-upscale-modes', validators.latentUpscaleModes, call),
    async controlnetModels(call) {
      const answer = await get('/controlnet/model_list', validators.controlnetModels, call, {
        update: 'false',
      })
      return answer.model_list
    },
    controlnetModules: (call) =>
      get('/controlnet/module_list', validators.controlnetModules, call, {
        alias_names: String(call?.aliasNames ?? false),
      }),
  }
  return client
}
