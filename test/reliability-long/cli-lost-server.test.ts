// Case 15, the long part: `sdflow run --server URL` loses its server for good (SIGKILL, no
// restart). It retries with backoff for about 16 s, then reports the interruption and exits 1.
// Run with `npm run test:long`.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  killChildServers,
  startServerProcess,
} from '../../packages/server/src/child-server.test-support.js'
import { followWithCli } from '../reliability/cli-process.test-support.js'
import {
  emulators,
  gen,
  save,
  tempDir,
  waitFor,
  workflowOf,
  writeConfig,
} from '../reliability/rig.test-support.js'

let emulator: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  ;[emulator] = (await emulators(1, { stepMs: 40 })) as [RunningEmulator]
  dir = await tempDir('sdflow-long-')
})
afterAll(async () => {
  await killChildServers()
  await emulator.close()
  await dir.remove()
})

describe('the CLI following a server that never comes back', () => {
  it('reports the interruption and exits non-zero', async () => {
    const config = writeConfig(dir.path, [{ id: 'emu', url: emulator.url }])
    const server = await startServerProcess([
      '--port',
      '0',
      '--quiet',
      '--data',
      join(dir.path, 'data'),
      '--out',
      join(dir.path, 'out'),
      '--config',
      config,
    ])
    const file = join(dir.path, 'wf.json')
    writeFileSync(
      file,
      JSON.stringify(workflowOf({ gen: gen({ steps: 60 }), s: save('gen', 'g') })),
    )
    const cli = followWithCli(file, server.url)
    await waitFor(async () => {
      const res = await fetch(`${server.url}/api/runs`)
      const { runs } = (await res.json()) as { runs: { status: string }[] }
      return runs[0]?.status === 'running' || undefined
    }, 'the run to start')
    server.process.kill('SIGKILL')
    const killedAt = Date.now()
    const ran = await cli.exit
    expect(ran.code).toBe(1)
    expect(ran.output).toMatch(
      /lost the connection to http:\/\/127\.0\.0\.1:\d+; run \S+ may go on there/,
    )
    process.stdout.write(
      `[figures] CLI gave up ${Date.now() - killedAt} ms after the server died\n`,
    )
  }, 60_000)
})
