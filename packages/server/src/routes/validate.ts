import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { estimateRun, readStepHistory } from '@sdflow/nodes'
import { hasErrors, IssueSchema } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

const ValidateBody = Type.Object(
  {
    workflow: Type.Object({}, { additionalProperties: true, description: 'a workflow document' }),
    inputs: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "values for the workflow's declared inputs",
      }),
    ),
  },
  { additionalProperties: false },
)

/**
 * `POST /api/validate`: the engine's own validation, backend catalogs included, without
 * running or storing anything. An invalid workflow is an answer (200), not a failed request.
 */
export async function validateRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/api/validate',
    {
      bodyLimit: app.sdflow.bodyLimit('POST /api/runs'),
      schema: {
        summary: 'Validate a workflow without running it',
        tags: ['runs'],
        body: ValidateBody,
        response: {
          200: Type.Object({
            valid: Type.Boolean(),
            issues: Type.Array(IssueSchema),
            estimate: Type.Optional(
              Type.Unknown({
                description:
                  'images to generate and estimated GPU seconds and cost per backend kind (RunEstimate)',
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { workflow, inputs } = request.body
      const { issues } = app.sdflow.runtime.engine.validate(workflow, { inputs: inputs ?? {} })
      const backends = app.sdflow.runtime.pool?.list() ?? []
      const history = await readStepHistory(app.sdflow.dataDir)
      return {
        valid: !hasErrors(issues),
        issues,
        estimate: estimateRun(workflow, backends, history),
      }
    },
  )
}
