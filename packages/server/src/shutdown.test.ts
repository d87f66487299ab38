import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from './app.js'
import type { ServerOptions } from './options.js'
import { backendWorkflow, tempDir, waitFor } from './server.test-support.js'

let emulator: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  dir = await tempDir()
  emulator = await startEmulator({ stepMs: 20 })
})
afterAll(async () => {
  await emulator.close()
  await dir.remove()
})

const options = (): ServerOptions => ({
  dataDir: join(dir.path, 'data'),
  shutdownGraceMs: 0,
  runtimeOptions: {
    backends: 'auto',
    backendUrls: [emulator.url],
    outDir: join(dir.path, 'out'),
  },
})

describe('graceful shutdown', () => {
  it('interrupts a running run without announcing a cancellation; the next start resumes it', async () => {
    const app = await buildApp(options())
    const res = await app.inject({
      method: 'POST',
      url: '/api/runs',
      payload: { workflow: backendWorkflow(20) },
    })
    const { runId } = res.json() as { runId: string }
    await waitFor(
      () => app.sdflow.store.nodes(runId).find((n) => n.id === 'gen' && n.status === 'done'),
      'gen to finish',
    )
    await app.close()

    const again = await buildApp({ ...options(), resume: false })
    await again.ready()
    const stored = again.sdflow.store.getRun(runId)
    expect(stored?.status).toBe('interrupted')
    const types = again.sdflow.store.eventsOfRun(runId, 0, 1000).map((e) => e.event.type)
    expect(types).not.toContain('run.cancelled')
    // resume by request
    const resumed = await again.inject({ method: 'POST', url: `/api/runs/${runId}/resume` })
    expect(resumed.statusCode).toBe(202)
    await waitFor(
      () => (again.sdflow.store.getRun(runId)?.status === 'finished' ? true : undefined),
      'the resumed run to finish',
    )
    expect(emulator.stats().requests['/sdapi/v1/txt2img']).toBe(1)
    const gen = again.sdflow.store.nodes(runId).find((n) => n.id === 'gen')
    expect(gen).toMatchObject({ status: 'done', reused: true })
    await again.close()
  })
})
