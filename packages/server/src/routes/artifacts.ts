import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { sniffMime } from '@sdflow/engine'
import { fail } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

export const ARTIFACT_HASH = '^[0-9a-f]{64}$'

export async function artifactRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/api/artifacts/:hash',
    {
      schema: {
        summary: 'Image bytes by content hash (immutable)',
        tags: ['artifacts'],
        params: Type.Object({ hash: Type.String({ pattern: ARTIFACT_HASH }) }),
      },
    },
    async (request, reply) => {
      const { hash } = request.params
      const artifacts = app.sdflow.runtime.engine.artifacts
      if (!artifacts.has(hash)) {
        throw fail('SDF_SERVER_NOT_FOUND', `no artifact ${hash}`, { pointer: '/params/hash' })
      }
      const bytes = await artifacts.read(hash)
      const mime = sniffMime(bytes) ?? 'application/octet-stream'
      const etag = `"${hash}"`
      reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('etag', etag)
      if (request.headers['if-none-match'] === etag) return reply.code(304).send()
      return reply.type(mime).send(bytes)
    },
  )
}
