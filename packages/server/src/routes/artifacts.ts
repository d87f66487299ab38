import { createHash } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { sniffMime } from '@sdflow/engine'
import { fail } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

export const ARTIFACT_HASH = '^[0-9a-f]{64}$'

/** Media types an artifact upload may be sent as; the bytes themselves say which image it is. */
const UPLOAD_TYPES = ['application/octet-stream', 'image/png', 'image/jpeg', 'image/webp']

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

export async function artifactUploadRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  app.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  )
  app.put(
    '/api/artifacts/:hash',
    {
      bodyLimit: app.sdflow.bodyLimit('PUT /api/artifacts/:hash'),
      schema: {
        summary: 'Upload image bytes under their sha256 (workers; idempotent)',
        description:
          'The body (PNG, JPEG or WebP, sent as application/octet-stream or its image type) must hash to `:hash`, else 400 SDF_ARTIFACT_HASH_MISMATCH. 201 when stored, 200 when it was already there.',
        tags: ['artifacts'],
        security: [{ bearer: [] }],
        params: Type.Object({ hash: Type.String({ pattern: ARTIFACT_HASH }) }),
      },
    },
    async (request, reply) => {
      const { hash } = request.params
      const body = request.body
      if (!Buffer.isBuffer(body)) {
        throw fail(
          'SDF_SERVER_UNSUPPORTED_MEDIA_TYPE',
          'send the image bytes as application/octet-stream',
          {
            pointer: '/headers/content-type',
          },
        )
      }
      const actual = createHash('sha256').update(body).digest('hex')
      if (actual !== hash) {
        throw fail('SDF_ARTIFACT_HASH_MISMATCH', `the body hashes to ${actual}, not ${hash}`, {
          pointer: '/params/hash',
          details: { expected: hash, actual },
        })
      }
      const artifacts = app.sdflow.runtime.engine.artifacts
      const existed = artifacts.has(hash)
      const ref = await artifacts.put(body)
      return reply.code(existed ? 200 : 201).send(ref)
    },
  )
}
