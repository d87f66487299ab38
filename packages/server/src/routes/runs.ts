import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { imagePricesOf, pricesOf, runCost } from '@sdflow/nodes'
import { dict, fail } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { runImages } from '../run-images.js'
import type { NodeRecord, RunRecord } from '../run-store.js'
import { WORKFLOW_NAME } from '../workflow-files.js'

const RunId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

const CreateRun = Type.Object(
  {
    workflow: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'a workflow document' }),
    ),
    name: Type.Optional(
      Type.String({
        pattern: WORKFLOW_NAME,
        description: 'a saved workflow, instead of `workflow`',
      }),
    ),
    inputs: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "values for the workflow's declared inputs",
      }),
    ),
  },
  { additionalProperties: false },
)

/** Images a list entry carries (the history's thumbnails and the gallery); `imageCount` has all. */
const LIST_IMAGES = 24

const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  before: Type.Optional(Type.String({ description: 'a run id: list runs created before it' })),
})

function runSummary(run: RunRecord) {
  const { inputs: _inputs, outputs: _outputs, files: _files, issues: _issues, ...rest } = run
  return rest
}

/** Seeds a node resolved (A1111 nodes output `seeds`). */
/** Every resolved seed per node (meta.seeds: one per image), else the `seeds` output. */
function seedsOf(nodes: NodeRecord[]): Record<string, unknown> {
  const out = dict<unknown>()
  for (const n of nodes) {
    const seeds = n.meta?.seeds ?? n.outputs?.seeds
    if (seeds !== undefined) out[n.id] = seeds
  }
  return out
}

export async function runRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { sdflow } = app
  /** What a list entry and a run's page both show: backends used, seeds, GPU time and cost. */
  const factsOf = (nodes: NodeRecord[]) => ({
    backends: [...new Set(nodes.flatMap((n) => (n.backend ? [n.backend] : [])))],
    seeds: seedsOf(nodes),
    cost: runCost(
      Object.fromEntries(nodes.map((n) => [n.id, n])),
      pricesOf(sdflow.runtime.pool?.list() ?? []),
      imagePricesOf(sdflow.runtime.pool?.list() ?? []),
    ),
  })

  app.post(
    '/api/runs',
    {
      bodyLimit: sdflow.bodyLimit('POST /api/runs'),
      schema: {
        summary: 'Queue a run of a workflow document or a saved workflow',
        description:
          'Validates first: an invalid workflow answers 400 with every issue and queues nothing.',
        tags: ['runs'],
        body: CreateRun,
        response: { 202: Type.Object({ runId: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { workflow, name, inputs } = request.body
      if ((workflow === undefined) === (name === undefined)) {
        throw fail('SDF_SERVER_REQUEST_INVALID', 'give either `workflow` or `name`, not both', {
          pointer: '/body',
        })
      }
      let doc: unknown = workflow
      if (name !== undefined) {
        const { bytes } = await sdflow.workflows.read(name)
        try {
          doc = JSON.parse(bytes.toString('utf8'))
        } catch (error) {
          throw fail('SDF_DOC_PARSE', `workflow "${name}" is not valid JSON`, { cause: error })
        }
      }
      const { runId } = sdflow.runs.submit(doc, inputs ?? {}, name)
      return reply.code(202).header('location', `/api/runs/${runId}`).send({ runId })
    },
  )

  app.get(
    '/api/runs',
    {
      schema: {
        summary: 'Runs, newest first, a page at a time, with backends, seeds, GPU time and cost',
        tags: ['runs'],
        querystring: ListQuery,
      },
    },
    async (request) => {
      const { limit, before } = request.query
      if (before !== undefined && !sdflow.store.getRun(before)) {
        throw fail('SDF_SERVER_NOT_FOUND', `no run ${before}`, { pointer: '/querystring/before' })
      }
      const runs = sdflow.store.listRuns({ limit: limit + 1, before })
      const page = runs.slice(0, limit).map((run) => {
        const nodes = sdflow.store.nodes(run.id)
        const images = runImages(sdflow.store.document(run.id), nodes)
        return {
          ...runSummary(run),
          ...factsOf(nodes),
          images: images.slice(0, LIST_IMAGES),
          imageCount: images.length,
        }
      })
      const next = runs.length > limit ? page[page.length - 1]?.id : undefined
      return next === undefined ? { runs: page } : { runs: page, next }
    },
  )

  app.get(
    '/api/runs/:id',
    {
      schema: {
        summary: 'One run: status, node states, outputs, backends, attempts, timings, seeds',
        tags: ['runs'],
        params: RunId,
      },
    },
    async (request) => {
      const id = request.params.id
      const run = sdflow.store.getRun(id)
      if (!run) throw fail('SDF_SERVER_NOT_FOUND', `no run ${id}`, { pointer: '/params/id' })
      const nodes = sdflow.store.nodes(id)
      const position = sdflow.runs.queued.indexOf(id)
      const document = sdflow.store.document(id)
      return {
        ...run,
        ...(position >= 0 ? { queuePosition: position } : {}),
        ...factsOf(nodes),
        nodes: Object.fromEntries(nodes.map(({ id: nodeId, ...rest }) => [nodeId, rest])),
        images: runImages(document, nodes),
        document,
      }
    },
  )

  app.post(
    '/api/runs/:id/cancel',
    {
      schema: { summary: 'Cancel a queued or running run', tags: ['runs'], params: RunId },
    },
    async (request, reply) => {
      const was = sdflow.runs.cancel(request.params.id)
      return reply
        .code(202)
        .send({ runId: request.params.id, status: was === 'running' ? 'cancelling' : 'cancelled' })
    },
  )

  app.post(
    '/api/runs/:id/resume',
    {
      schema: {
        summary: 'Queue a failed, cancelled or interrupted run again; finished nodes are reused',
        tags: ['runs'],
        params: RunId,
      },
    },
    async (request, reply) => {
      sdflow.runs.resume(request.params.id)
      return reply.code(202).send({ runId: request.params.id })
    },
  )
}
