import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { sniffMime } from '@sdflow/engine'
import { fail, SdflowError } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

/** The image types an upload may be; the bytes decide, the header only gets them parsed. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp']

/**
 * `POST /api/uploads`: the raw bytes of one PNG, JPEG or WebP image (checked by its magic
 * bytes and decoded under the pixel limit), stored in the artifact store; answers the ImageRef.
 * An `image.load` node takes it as `{"artifact": hash}`. The client names no path, ever.
 */
export async function uploadRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  app.addContentTypeParser(
    IMAGE_TYPES,
    { parseAs: 'buffer', bodyLimit: app.sdflow.bodyLimit('POST /api/uploads') },
    (_request, body, done) => done(null, body),
  )
  app.post(
    '/api/uploads',
    {
      bodyLimit: app.sdflow.bodyLimit('POST /api/uploads'),
      schema: {
        summary: 'Upload one image (PNG, JPEG or WebP bytes); answers its ImageRef',
        tags: ['artifacts'],
        response: {
          201: Type.Object({
            hash: Type.String(),
            width: Type.Integer(),
            height: Type.Integer(),
            mime: Type.String(),
          }),
        },
      },
    },
    async (request, reply) => {
      const bytes = request.body
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
        throw fail(
          'SDF_SERVER_UNSUPPORTED_MEDIA_TYPE',
          'send the image bytes as image/png, image/jpeg or image/webp',
          {
            pointer: '/body',
          },
        )
      }
      if (!sniffMime(bytes)) {
        throw fail('SDF_IMAGE_INVALID', 'the body is not a PNG, JPEG or WebP image', {
          pointer: '/body',
        })
      }
      const ref = await app.sdflow.runtime.engine.artifacts.put(bytes).catch((error: unknown) => {
        // the store knows no request: what it refuses (over the pixel limit, truncated) is
        // the body here, which the client would otherwise see as a pointer to nothing
        if (!(error instanceof SdflowError) || error.issue.pointer !== '') throw error
        throw fail(error.code, error.message, {
          pointer: '/body',
          details: error.issue.details,
          cause: error,
        })
      })
      return reply.code(201).header('location', `/api/artifacts/${ref.hash}`).send(ref)
    },
  )
}
