import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { hasErrors } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { invalidWorkflow } from '../run-manager.js'
import { etagListMatches, WORKFLOW_NAME } from '../workflow-files.js'

const NameParams = Type.Object({
  name: Type.String({ pattern: WORKFLOW_NAME, description: 'file name without .json' }),
})
const Preconditions = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'ETag the file must still have' })),
  'if-none-match': Type.Optional(Type.String({ description: '`*`: only create, never overwrite' })),
})

const WorkflowEntry = Type.Object({
  name: Type.String(),
  source: Type.Union([Type.Literal('user'), Type.Literal('example')], {
    description: '`user`: the user folder (writable); `example`: shipped, read-only',
  }),
  description: Type.Optional(Type.String()),
  mtime: Type.String({ format: 'date-time' }),
  size: Type.Integer(),
  etag: Type.String(),
})

export async function workflowRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const files = () => app.sdflow.workflows

  app.get(
    '/api/workflows',
    {
      schema: {
        summary: "Saved workflows: the user's, then the shipped examples (read-only)",
        tags: ['workflows'],
        response: { 200: Type.Array(WorkflowEntry) },
      },
    },
    async () => files().list(),
  )

  app.get(
    '/api/workflows/:name',
    {
      schema: {
        summary: 'One workflow document, with its ETag',
        tags: ['workflows'],
        params: NameParams,
      },
    },
    async (request, reply) => {
      const { bytes, etag, source } = await files().read(request.params.name)
      reply
        .header('etag', etag)
        .header('cache-control', 'no-cache')
        .header('x-sdflow-source', source)
      const ifNoneMatch = request.headers['if-none-match']
      if (ifNoneMatch && etagListMatches(ifNoneMatch, etag)) return reply.code(304).send()
      return reply.type('application/json; charset=utf-8').send(bytes)
    },
  )

  app.put(
    '/api/workflows/:name',
    {
      bodyLimit: app.sdflow.bodyLimit('PUT /api/workflows/:name'),
      schema: {
        summary:
          'Create or replace a workflow in the user folder (validated; If-Match / If-None-Match honoured; examples are read-only)',
        tags: ['workflows'],
        params: NameParams,
        headers: Preconditions,
        body: Type.Object({}, { additionalProperties: true, description: 'a workflow document' }),
      },
    },
    async (request, reply) => {
      const name = request.params.name
      files().fileOf(name)
      const validation = app.sdflow.runtime.engine.validate(request.body)
      if (!validation.workflow || hasErrors(validation.issues)) {
        throw invalidWorkflow(validation.issues)
      }
      const bytes = Buffer.from(`${JSON.stringify(request.body, null, 2)}\n`)
      const { etag, created } = await files().write(name, bytes, {
        ifMatch: request.headers['if-match'],
        ifNoneMatch: request.headers['if-none-match'],
      })
      return reply
        .code(created ? 201 : 200)
        .header('etag', etag)
        .send({ name, etag, created, issues: validation.issues })
    },
  )

  app.delete(
    '/api/workflows/:name',
    {
      schema: {
        summary: 'Delete a workflow (If-Match honoured)',
        tags: ['workflows'],
        params: NameParams,
        headers: Preconditions,
      },
    },
    async (request, reply) => {
      await files().remove(request.params.name, { ifMatch: request.headers['if-match'] })
      return reply.code(204).send()
    },
  )
}
