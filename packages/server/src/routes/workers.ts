import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

export async function workerRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/workers',
    {
      schema: {
        summary:
          'Live `sdflow worker` processes (scale-out): their backends, jobs in flight and last heartbeat; [] when this server is not a coordinator',
        tags: ['backends'],
        response: { 200: Type.Array(Type.Unknown()) },
      },
    },
    async () => app.sdflow.runtime.coordinator?.workers() ?? [],
  )
}
