import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

const HOME = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sdflow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}</style>
</head>
<body>
<h1>sdflow</h1>
<p>Typed node workflows for Stable Diffusion on AUTOMATIC1111 backends.</p>
<p><strong>The editor is not built.</strong> Build it with <code>npm run build -w @sdflow/editor</code>
(or start the server with <code>npm start</code>, which builds it first), then reload this page.</p>
<ul>
<li><a href="/docs">API documentation (OpenAPI)</a></li>
<li><a href="/api/workflows">/api/workflows</a>: saved workflows</li>
<li><a href="/api/runs">/api/runs</a>: runs, newest first</li>
<li><a href="/api/node-types">/api/node-types</a>: node types</li>
<li><a href="/api/backends">/api/backends</a>: A1111 backends</li>
<li><code>ws://&lt;this host&gt;/api/events</code>: the run event stream</li>
</ul>
</body>
</html>
`

export async function metaRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('x-content-type-options', 'nosniff').send(HOME),
  )

  app.get(
    '/api/node-types',
    {
      schema: {
        summary: 'Every registered node type (NodeSpec)',
        tags: ['nodes'],
        response: { 200: Type.Array(Type.Unknown()) },
      },
    },
    async () => app.sdflow.runtime.engine.registry.specs(),
  )

  app.get(
    '/api/backends',
    {
      schema: {
        summary: 'The A1111 backends: health, the jobs in flight (run, node, step), catalog',
        tags: ['backends'],
        response: { 200: Type.Array(Type.Unknown()) },
      },
    },
    async () => {
      const pool = app.sdflow.runtime.pool
      if (!pool) return []
      return pool.list().map((b) => ({
        ...b,
        idle: b.busy < b.slots,
        jobs: app.sdflow.backendJobs.of(b.id),
      }))
    },
  )
}
