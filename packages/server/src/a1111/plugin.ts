import {
  ControlnetDetectRequest,
  ExtraSingleImageRequest,
  Img2ImgRequest,
  Txt2ImgRequest,
} from '@sdflow/a1111'
import type { ImageRef, WorkflowDocument } from '@sdflow/protocol'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { requestAuthorized } from '../security.js'
import { A1111Failure, exception, fromIssue, httpException } from './a1111-errors.js'
import { callerOf } from './caller.js'
import { type CallerJobs, trackCallerJobs } from './caller-jobs.js'
import { detectWorkflow } from './detect-workflow.js'
import { installA1111Errors } from './errors-hook.js'
import { infoRoutes } from './info-routes.js'
import { useLazyValidators } from './lazy-validator.js'
import { nodeParamsOf } from './node-params.js'
import { fastapiJson } from './python-json.js'
import { storeRequestImages } from './request-images.js'
import { answerImages, type FinishedNode, toResponse } from './to-response.js'
import { type A1111Kind, GATEWAY_NODE, toWorkflow } from './to-workflow.js'

export interface A1111FaceOptions {
  token?: string
}

/** What the routes of the face share. */
export interface FaceState {
  jobs: CallerJobs
  /** POST /sdapi/v1/options per caller: applied to that caller's later jobs only. */
  callerOptions: Map<string, Record<string, unknown>>
}

const ExtraBatchImagesRequest = Type.Object({
  ...Type.Omit(ExtraSingleImageRequest, ['image']).properties,
  imageList: Type.Array(Type.Object({ data: Type.String(), name: Type.Optional(Type.String()) })),
})

const A1111_JOB: Record<A1111Kind, string> = {
  txt2img: 'scripts_txt2img',
  img2img: 'scripts_img2img',
  'extra-single-image': 'extras',
  'extra-batch-images': 'extras',
}

/**
 * The A1111 HTTP API on sdflow's own port, routed through the whole backend pool. Encapsulated:
 * its error shape (FastAPI 422s, A1111's `{error, detail, body, errors}`) and its auth answer
 * stay inside, so /api keeps sdflow's envelope. Each generation is a one-node workflow run by
 * the run manager, so it is recorded, retried and failed over like any run.
 */
export async function a1111Face(app: FastifyInstance, options: A1111FaceOptions): Promise<void> {
  const { sdflow } = app
  const state: FaceState = { jobs: trackCallerJobs(sdflow.hub), callerOptions: new Map() }
  app.addHook('onClose', async () => state.jobs.close())
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, ownAuth: true }
    route.schema = { tags: ['a1111'], ...route.schema }
  })
  app.addHook('onRequest', async (request, reply) => {
    if (requestAuthorized(request, options.token)) return
    const given = request.headers.authorization !== undefined
    const said = given ? 'Incorrect username or password' : 'Not authenticated'
    return reply.code(401).send(httpException(401, said).body)
  })
  // pydantic takes null as "not given"; the request schemas want the field absent
  app.addHook('preValidation', async (request) => {
    const body = request.body
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const [key, value] of Object.entries(body)) {
        if (value === null) delete (body as Record<string, unknown>)[key]
      }
    }
  })
  installA1111Errors(app)
  useLazyValidators(app)

  const nodeParams = nodeParamsOf(sdflow.runtime.engine.registry)
  const { artifacts } = sdflow.runtime.engine

  /**
   * Runs a gateway workflow as a run of the caller (recorded, retried and failed over like any
   * run) and gives its finished node, or throws the failure in A1111's shape.
   */
  const runGateway = async (
    request: FastifyRequest,
    reply: FastifyReply,
    doc: WorkflowDocument,
    job: { name: string; forceTaskId?: unknown; kind: string; iterations?: number },
  ): Promise<FinishedNode> => {
    const readCache = request.headers['x-sdflow-cache'] === 'allow'
    const { runId } = sdflow.runs.submit(doc, {}, doc.name, { readCache })
    const taskId =
      typeof job.forceTaskId === 'string' && job.forceTaskId
        ? job.forceTaskId
        : `task(${job.kind}-${runId.slice(0, 15)})`
    state.jobs.add(runId, callerOf(request), taskId, job.name, job.iterations)
    reply.header('x-sdflow-run', runId)
    await sdflow.runs.settled(runId)
    const node = sdflow.store.nodes(runId).find((n) => n.id === GATEWAY_NODE)
    if (node && (node.status === 'done' || node.status === 'cached')) return node
    const run = sdflow.store.getRun(runId)
    const problem = node?.issue ?? run?.issues[0]
    throw new A1111Failure(
      problem ? fromIssue(problem) : exception('RuntimeError', `the job ended ${run?.status}`),
    )
  }
  const base64Of = (refs: readonly ImageRef[]) =>
    Promise.all(refs.map(async (ref) => (await artifacts.read(ref)).toString('base64')))

  const generate = (kind: A1111Kind) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = withCallerOptions(
      { ...(request.body as Record<string, unknown>) },
      state.callerOptions.get(callerOf(request)),
    )
    const images = await storeRequestImages(artifacts, kind, body)
    const doc = toWorkflow(kind, body, images, nodeParams)
    const node = await runGateway(request, reply, doc, {
      name: A1111_JOB[kind],
      forceTaskId: body.force_task_id,
      kind,
      iterations: typeof body.n_iter === 'number' ? body.n_iter : 1,
    })
    const base64 = await base64Of(answerImages(kind, body, node))
    reply.serializer(fastapiJson)
    return toResponse(kind, body, node, base64)
  }

  const post = (path: string, kind: A1111Kind, body: object, summary: string) =>
    app.post(path, { schema: { summary, body } }, generate(kind))
  post('/sdapi/v1/txt2img', 'txt2img', Txt2ImgRequest, 'A1111 txt2img, on any backend of the pool')
  post('/sdapi/v1/img2img', 'img2img', Img2ImgRequest, 'A1111 img2img (inpaint with `mask`)')
  post(
    '/sdapi/v1/extra-single-image',
    'extra-single-image',
    ExtraSingleImageRequest,
    'A1111 extras: upscale one image',
  )
  post(
    '/sdapi/v1/extra-batch-images',
    'extra-batch-images',
    ExtraBatchImagesRequest,
    'A1111 extras: upscale several images',
  )
  app.post(
    '/controlnet/detect',
    {
      schema: {
        summary: 'ControlNet preprocessor, on a backend that has the module (recorded as a run)',
        body: ControlnetDetectRequest,
      },
    },
    async (request, reply) => {
      const body = request.body as Record<string, unknown>
      const store = async (list: unknown) => {
        const items = Array.isArray(list) ? list.map((data: unknown) => ({ data })) : []
        return (await storeRequestImages(artifacts, 'extra-batch-images', { imageList: items }))
          .extras
      }
      const images = await store(body.controlnet_input_images)
      const masks = await store(body.controlnet_masks)
      const doc = detectWorkflow(body, images, masks)
      const node = await runGateway(request, reply, doc, { name: 'detect', kind: 'detect' })
      const outputs = Array.isArray(node.outputs?.image) ? (node.outputs.image as ImageRef[]) : []
      const info = typeof node.meta?.info === 'string' ? node.meta.info : 'Success'
      const poses = node.meta?.poses
      return { info, images: await base64Of(outputs), ...(poses !== undefined && { poses }) }
    },
  )
  await infoRoutes(app, state)
}

/** The caller's POSTed options under the request's own `override_settings` (which win). */
function withCallerOptions(
  body: Record<string, unknown>,
  saved: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!saved || Object.keys(saved).length === 0) return body
  const own =
    body.override_settings && typeof body.override_settings === 'object'
      ? (body.override_settings as Record<string, unknown>)
      : {}
  return { ...body, override_settings: { ...saved, ...own } }
}
