import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { pricesOf, runCost } from '@sdflow/nodes'
import { fail, type ImageRef } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { IssuesError } from '../errors.js'
import { WORKFLOW_NAME } from '../workflow-files.js'

const Params = Type.Object({ name: Type.String({ pattern: WORKFLOW_NAME }) })
const Query = Type.Object({
  wait: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 300_000,
    description: 'ms to wait for the run to end before answering 202',
  }),
  images: Type.Optional(
    Type.Union([Type.Literal('url'), Type.Literal('base64')], {
      description: '`base64`: images also carry their bytes as base64',
    }),
  ),
})
const Body = Type.Object(
  {
    inputs: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "values for the workflow's declared inputs",
      }),
    ),
  },
  { additionalProperties: false },
)

const isImageRef = (v: unknown): v is ImageRef =>
  typeof v === 'object' && v !== null && 'hash' in v && 'mime' in v && 'width' in v

/** Any saved workflow as one request: run it, wait, answer with its outputs. */
export async function workflowRunRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { sdflow } = app

  app.post(
    '/api/workflows/:name/run',
    {
      bodyLimit: sdflow.bodyLimit('POST /api/runs'),
      schema: {
        summary: 'Run a saved workflow and answer with its outputs',
        description:
          'Waits up to `wait` ms: 200 with the outputs (images as artifact URLs, with `images=base64` also as base64; plain outputs such as a QR `score`), files written, seeds, GPU time and cost; 202 with the run id and its URLs if it is still going. Invalid inputs: 400 with every issue.',
        tags: ['workflows'],
        params: Params,
        querystring: Query,
        body: Type.Optional(Body),
      },
    },
    async (request, reply) => {
      const { name } = request.params
      const { bytes } = await sdflow.workflows.read(name)
      let doc: unknown
      try {
        doc = JSON.parse(bytes.toString('utf8'))
      } catch (error) {
        throw fail('SDF_DOC_PARSE', `workflow "${name}" is not valid JSON`, { cause: error })
      }
      const { runId } = sdflow.runs.submit(doc, request.body?.inputs ?? {}, name)
      const urls = { run: `/api/runs/${runId}`, events: `/api/events?run=${runId}` }
      const timeout = AbortSignal.timeout(request.query.wait)
      const status = await sdflow.runs.settled(runId, timeout)
      const run = sdflow.store.getRun(runId)
      if (!run || (status !== 'finished' && status !== 'failed' && status !== 'cancelled')) {
        return reply
          .code(202)
          .header('location', urls.run)
          .send({ runId, status: run?.status ?? status, urls })
      }
      if (status !== 'finished') {
        const issues = run.issues
        const first = issues[0]
        throw new IssuesError(
          first?.code ?? 'SDF_RUN_CANCELLED',
          `run ${runId} ${status}${first ? `: ${first.message}` : ''}`,
          issues,
        )
      }
      const nodes = sdflow.store.nodes(runId)
      const withBase64 = request.query.images === 'base64'
      const outputs: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(run.outputs ?? {})) {
        outputs[key] =
          Array.isArray(value) && value.every(isImageRef)
            ? await Promise.all(
                value.map(async (ref) => ({
                  ...ref,
                  url: `/api/artifacts/${ref.hash}`,
                  ...(withBase64 && {
                    base64: (await sdflow.runtime.engine.artifacts.read(ref)).toString('base64'),
                  }),
                })),
              )
            : value
      }
      const seeds: Record<string, unknown> = {}
      for (const n of nodes) {
        const s = n.meta?.seeds ?? n.outputs?.seeds
        if (s !== undefined) seeds[n.id] = s
      }
      return {
        runId,
        status,
        outputs,
        files: run.files,
        seeds,
        cost: runCost(
          Object.fromEntries(nodes.map((n) => [n.id, n])),
          pricesOf(sdflow.runtime.pool?.list() ?? []),
        ),
        urls,
      }
    },
  )
}
