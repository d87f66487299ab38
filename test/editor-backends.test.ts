/**
 * The editor's backends view in a real Chromium (issues 10 and 15): a RunPod endpoint (the
 * emulator's RunPod face) with its workers, slots in use while a run holds one, refreshed while
 * the view is open, and never the key. Needs `npm run build -w @sdflow/editor` first.
 */
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningRunpodEmulator, startRunpodEmulator } from '@sdflow/a1111-emulator'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, openEditor } from './editor.test-support.js'

const KEY = 'rp-editor-secret-key-0123'
let endpoint: RunningRunpodEmulator
let s: EditorSession
let page: Page
let dir: string

beforeAll(async () => {
  endpoint = await startRunpodEmulator({ apiKey: KEY, stepMs: 40, workers: 2 })
  dir = await mkdtemp(join(tmpdir(), 'sdflow-editor-backends-'))
  const config = join(dir, 'sdflow.config.json')
  writeFileSync(
    config,
    JSON.stringify({
      backends: [
        { id: 'rp', type: 'runpod', worker: 'a1111', url: endpoint.url, apiKey: KEY, slots: 2 },
      ],
    }),
  )
  s = await openEditor('editor-backends', {
    runtimeOptions: {
      backends: 'auto',
      configFile: config,
      outDir: join(dir, 'out'),
      inDir: join(dir, 'in'),
    },
  })
  page = s.page
})

afterAll(async () => {
  await s?.close()
  await endpoint?.close()
  await rm(dir, { recursive: true, force: true })
})

const item = () => page.locator('[data-testid="backend-item"][data-backend-id="rp"]')
const text = (testid: string) => item().locator(`[data-testid="${testid}"]`).textContent()

describe('the backends view', () => {
  it('lists the RunPod endpoint: kind, health, slots, catalog, its workers; never the key', async () => {
    await page.locator('[data-testid="backends-button"]').click()
    const view = page.locator('[data-testid="backends"]')
    await view.waitFor()
    await expect.poll(() => page.locator('[data-testid="backend-item"]').count()).toBe(1)
    await expect(text('backend-kind')).resolves.toBe('runpod (a1111)')
    await expect.poll(() => text('backend-health'), { timeout: 15_000 }).toBe('up')
    await expect(text('backend-slots')).resolves.toBe('slots 0/2 in use')
    await expect(text('backend-catalog')).resolves.toMatch(/checkpoints|no catalog/)
    await expect
      .poll(() => text('backend-workers'), { timeout: 15_000 })
      .toMatch(/^workers: \d+ idle, \d+ running, \d+ initializing$/)
    await s.shot('1-backends')
    expect(await page.content()).not.toContain(KEY)
  })

  it('refreshes while open: a run takes a slot, then gives it back', async () => {
    await page.evaluate(`fetch('/api/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: {
        format: 'sdflow.workflow/1',
        name: 'slow',
        outputs: { image: { node: 'gen', output: 'image' } },
        nodes: { gen: { type: 'sd.txt2img', params: { prompt: 'a', steps: 60, width: 64, height: 64 } } },
      } }),
    })`)
    await expect.poll(() => text('backend-slots'), { timeout: 15_000 }).toBe('slots 1/2 in use')
    await s.shot('2-backends-busy')
    await expect.poll(() => text('backend-slots'), { timeout: 30_000 }).toBe('slots 0/2 in use')
    expect(await page.content()).not.toContain(KEY)
  })

  it('closes with Escape; logged no console errors', async () => {
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('[data-testid="backends"]').count()).toBe(0)
    expect(s.consoleErrors, s.consoleErrors.join('\n')).toEqual([])
  })
})
