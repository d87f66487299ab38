// Damaged files in the data folder: a truncated artifact, a node cache line of the wrong shape.
// Each is found when read, dropped, and the node that made it runs again.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { createArtifactStore } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import { buildApp } from '@sdflow/server'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emulators,
  gen,
  requests,
  save,
  settled,
  submit,
  tempDir,
  workflowOf,
  writeConfig,
} from './rig.test-support.js'

let emulator: RunningEmulator
let dir: Awaited<ReturnType<typeof tempDir>>
const apps: FastifyInstance[] = []
beforeAll(async () => {
  ;[emulator] = (await emulators(1)) as [RunningEmulator]
  dir = await tempDir('sdflow-damaged-')
})
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
  await emulator.close()
  await dir.remove()
})

/** A server on the folders of `name`; a second call is the same server after a restart. */
async function server(name: string): Promise<FastifyInstance> {
  const base = join(dir.path, name)
  const app = await buildApp({
    dataDir: join(base, 'data'),
    workflowsDir: join(base, 'workflows'),
    runtimeOptions: {
      backends: 'auto',
      configFile: writeConfig(dir.path, [{ id: 'emu', url: emulator.url }]),
      outDir: join(base, 'out'),
    },
  })
  await app.ready()
  apps.push(app)
  return app
}

async function restart(app: FastifyInstance, name: string): Promise<FastifyInstance> {
  await app.close()
  apps.splice(apps.indexOf(app), 1)
  return server(name)
}

const picture = (seed: number, prefix: string) =>
  workflowOf({ gen: gen({ seed }), save: save('gen', prefix) })

/** Where the server's file store keeps an artifact (the engine's store interface has no paths). */
function artifactFile(app: FastifyInstance, hash: string): string {
  return createArtifactStore({ root: join(app.sdflow.runtime.engine.dataDir, 'artifacts') }).path(
    hash,
  )
}

function generated(app: FastifyInstance, runId: string): ImageRef {
  const node = app.sdflow.store.nodes(runId).find((n) => n.id === 'gen')
  const images = node?.outputs?.image as ImageRef[] | undefined
  if (!images?.[0]) throw new Error(`run ${runId} has no generated image`)
  return images[0]
}

describe('case 22: a damaged artifact', () => {
  it('is not reused from the cache: the node runs again and the saved file is whole', async () => {
    let app = await server('reuse')
    const first = await settled(app, await submit(app, picture(21, 'first')))
    expect(first.status).toBe('finished')
    const ref = generated(app, first.id)
    const file = artifactFile(app, ref.hash)
    writeFileSync(file, readFileSync(file).subarray(0, 100)) // the disk lost its tail
    app = await restart(app, 'reuse')
    const before = requests(emulator)
    const again = await settled(app, await submit(app, picture(21, 'again')))
    expect(again.status).toBe('finished')
    expect(again.nodes.gen?.status).toBe('done') // generated again, not served from the cache
    expect(requests(emulator)).toBe(before + 1)
    expect(generated(app, again.id).hash).toBe(ref.hash)
    const [saved] = again.files as [string] // relative to the output folder
    await expect(sharp(join(dir.path, 'reuse', 'out', saved)).stats()).resolves.toBeTruthy() // decodes to the end
  })

  it('is never served under its hash: 410 once, removed, then 404', async () => {
    let app = await server('serve')
    const run = await settled(app, await submit(app, picture(22, 'serve')))
    const ref = generated(app, run.id)
    const file = artifactFile(app, ref.hash)
    writeFileSync(file, readFileSync(file).subarray(0, 100))
    app = await restart(app, 'serve')
    const damaged = await app.inject({ method: 'GET', url: `/api/artifacts/${ref.hash}` })
    expect(damaged.statusCode).toBe(410)
    expect(damaged.headers['cache-control']).toBeUndefined()
    expect(damaged.json()).toMatchObject({ code: 'SDF_ARTIFACT_DAMAGED' })
    const gone = await app.inject({ method: 'GET', url: `/api/artifacts/${ref.hash}` })
    expect(gone.statusCode).toBe(404)
  })
})

describe('case 23: a node cache line of the right JSON but the wrong shape', () => {
  it('is a miss: the next runs of the workflow finish', async () => {
    let app = await server('shape')
    const first = await settled(app, await submit(app, picture(23, 'shape')))
    expect(first.status).toBe('finished')
    const cacheFile = join(app.sdflow.runtime.engine.dataDir, 'cache', 'nodes.jsonl')
    const lines = readFileSync(cacheFile, 'utf8').trim().split('\n')
    const bent = lines.map((line) => {
      const entry = JSON.parse(line) as Record<string, unknown>
      return JSON.stringify({ ...entry, files: 'not a list', outputs: [] })
    })
    writeFileSync(cacheFile, `${bent.join('\n')}\n`)
    app = await restart(app, 'shape')
    for (const prefix of ['shape', 'shape']) {
      const run = await settled(app, await submit(app, picture(23, prefix)))
      expect(run.status, JSON.stringify(run.issues)).toBe('finished')
    }
  })
})
