import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { parseFaultSpecs } from '../faults.js'

/** Control routes of the emulator itself (not part of A1111). */
export function emulatorRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/emulator/faults', async (request, reply) => {
    const specs = parseFaultSpecs(request.body)
    if (typeof specs === 'string') return reply.code(400).send({ detail: specs })
    for (const spec of specs) ctx.faults.add(spec)
    return { faults: ctx.faults.list() }
  })
  app.get('/emulator/faults', async () => ({ faults: ctx.faults.list() }))
  app.delete('/emulator/faults', async () => {
    ctx.faults.clear()
    return { faults: [] }
  })
  app.get('/emulator/stats', async () => ctx.stats.snapshot())
}
