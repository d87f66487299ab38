import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** packages/editor/dist, seen from src/routes or dist/routes of this package. */
export const EDITOR_DIST = fileURLToPath(new URL('../../../editor/dist/', import.meta.url))

export interface EditorRouteOptions {
  /** The built editor (default packages/editor/dist). */
  root?: string
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

/** Paths that are never the editor page: the API, its docs, files with an extension. */
function isPagePath(path: string): boolean {
  if (path === '/api' || path.startsWith('/api/')) return false
  if (path === '/docs' || path.startsWith('/docs/')) return false
  return !/\.[A-Za-z0-9]+$/.test(path)
}

/**
 * Serves the built editor at `/` when packages/editor/dist exists: hashed assets with an
 * immutable cache, every other page path (SPA fallback) gets index.html, never cached. Without
 * a build nothing is registered and the plain home page stays. Not encapsulated, so that
 * its `/` takes over from the plain page wherever it is registered.
 */
export async function editorRoutes(
  app: FastifyInstance,
  options: EditorRouteOptions = {},
): Promise<void> {
  const root = options.root ?? EDITOR_DIST
  const index = join(root, 'index.html')
  if (!existsSync(index)) return

  const sendIndex = async (reply: FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(await readFile(index))

  // hashed bundles: looked up per request, so a rebuild needs no restart
  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    wildcard: true,
    index: false,
    decorateReply: false,
    schemaHide: true,
    setHeaders(reply) {
      reply.header('cache-control', IMMUTABLE)
    },
  })
  // the few files beside index.html (favicon)
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    decorateReply: false,
    schemaHide: true,
    globIgnore: ['assets/**', 'index.html'],
    setHeaders(reply) {
      reply.header('cache-control', 'public, max-age=3600')
    },
  })

  // `/` is the editor: answered before the plain home page's handler runs
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    if (request.url.split('?')[0] !== '/') return
    return sendIndex(reply)
  })

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const wantsHtml = (request.headers.accept ?? '').includes('text/html')
    if (!isPagePath(path) || !wantsHtml) return reply.callNotFound()
    return sendIndex(reply)
  })
}
Object.assign(editorRoutes, { [Symbol.for('skip-override')]: true })
