import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createArtifactStore, type ProgressUpdate } from '@sdflow/engine'
import { describe, expect, it } from 'vitest'
import { loadCatalog } from './catalog.js'
import { createClient } from './client.js'
import { backendsFromUrls } from './config.js'
import { createPool } from './pool.js'

const url = process.env.SDFLOW_A1111_URL

/** Runs only against a real A1111 started with --api: SDFLOW_A1111_URL=http://host:7860. */
describe.skipIf(!url)('real A1111 at SDFLOW_A1111_URL', () => {
  const client = () => createClient({ id: 'real', url: url ?? '' })

  it('answers the health probe and lists its catalog', async () => {
    await client().ping()
    const catalog = await loadCatalog(client())
    expect(catalog.checkpoints.length).toBeGreaterThan(0)
    expect(catalog.samplers).toContain('Euler')
  })

  it('generates a small image with progress through the pool', async () => {
    const artifacts = createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-real-')) })
    const pool = createPool({ backends: backendsFromUrls([url ?? '']) })
    await pool.start()
    try {
      const updates: ProgressUpdate[] = []
      const out = await pool.run({}, (c, signal, attempt) =>
        c.txt2img(
          { prompt: 'a lighthouse at dusk', steps: 8, width: 256, height: 256, seed: 1 },
          {
            artifacts,
            signal,
            onProgress: (u) => updates.push(u),
            taskId: `sdflow-real-${attempt}`,
          },
        ),
      )
      expect(out.images).toHaveLength(1)
      expect(out.seeds).toEqual([1])
      expect(out.infotexts[0]).toMatch(/Seed: 1/)
    } finally {
      await pool.close()
    }
  }, 300_000)
})
