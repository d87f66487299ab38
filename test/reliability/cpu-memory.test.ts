// Issue 12 case 11: a legal upload at the pixel limit (8192 x 8192 RGBA, 16 bits a channel,
// about 520 KB) fed to image.composite, two CPU nodes at a time
// (the CPU limit is the core count, 2 here), should not take `sdflow serve` past 600 MB
// RSS. Against the server as a child process; its peak is /proc/PID/status VmHWM.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ChildServer,
  killChildServers,
  startServerProcess,
} from '../../packages/server/src/child-server.test-support.js'
import { flatPng16 } from './flat-png.test-support.js'
import { tempDir, waitFor, workflowOf, writeConfig } from './rig.test-support.js'
import { compositeCase, statusMb as peakRssMb } from './server-memory.test-support.js'

let dir: Awaited<ReturnType<typeof tempDir>>
let server: ChildServer

beforeAll(async () => {
  dir = await tempDir('sdflow-cpu-memory-')
  server = await startServerProcess([
    '--port',
    '0',
    '--config',
    writeConfig(dir.path, []),
    '--data',
    join(dir.path, 'data'),
    '--out',
    join(dir.path, 'out'),
  ])
})
afterAll(async () => {
  await killChildServers()
  await dir.remove()
})

describe('an 8192 x 8192 16-bit upload through the CPU image nodes', () => {
  it('keeps the server under 600 MB, two big nodes at a time queueing on the pixel budget', async () => {
    const png = await flatPng16(8192)
    const upload = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    })
    expect(upload.status).toBe(201)
    const { hash } = (await upload.json()) as { hash: string }
    const idle = peakRssMb(server.process.pid ?? 0)

    const workflow = workflowOf({
      big: { type: 'image.load', params: { artifact: hash } },
      ...compositeCase(),
    })
    const res = await fetch(`${server.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow }),
    })
    expect(res.status).toBe(202)
    const { runId } = (await res.json()) as { runId: string }
    const run = await waitFor(
      async () => {
        const r = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as {
          status: string
          issues: unknown[]
        }
        return ['finished', 'failed', 'cancelled'].includes(r.status) ? r : undefined
      },
      'the run',
      600_000,
    )
    expect(run.status, JSON.stringify(run.issues)).toBe('finished')
    const peak = peakRssMb(server.process.pid ?? 0)
    process.stdout.write(
      `[figures] 8192 x 8192 16-bit upload through two composites and mask.from-image: server peak RSS ${peak} MB (${idle} MB after the upload)\n`,
    )
    // 1.2 GB for one image.composite before the pixel budget, 2.1 GB for two at once, 569-607
    // MB with the budget while a composite held its overlay as raw pixels; 340-379 MB over six
    // runs since the overlay streams through a scratch file (load average 9-18, one run with
    // the rest of the suite beside it), so the issue's 600 MB holds with margin
    expect(peak).toBeLessThan(600)
  }, 660_000)
})
