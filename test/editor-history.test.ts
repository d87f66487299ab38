/**
 * The editor's images out, in a real Chromium (issue 13 §4): the history panel fed by
 * GET /api/runs (live, across reloads, with runs made through REST and the A1111 face), restore
 * of a run's workflow and inputs, the gallery across runs and its lightbox.
 * Needs `npm run build -w @sdflow/editor` first.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, openEditor } from './editor.test-support.js'

let s: EditorSession
let page: Page
const items = () => page.locator('[data-testid="history-item"]')
const phase = () => page.locator('[data-testid="run-phase"]').textContent()

const gen = {
  format: 'sdflow.workflow/1',
  name: 'fox',
  inputs: { prompt: { node: 'gen', param: 'prompt' } },
  nodes: {
    gen: {
      type: 'sd.txt2img',
      params: { prompt: 'a red fox', seed: 1234, steps: 4, width: 64, height: 64, batch_size: 2 },
      ui: { x: 0, y: 0 },
    },
    save: {
      type: 'image.save',
      params: { prefix: 'fox' },
      inputs: { image: { node: 'gen', output: 'image' } },
      ui: { x: 320, y: 0 },
    },
  },
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(res.ok).toBe(true)
  return (await res.json()) as Record<string, unknown>
}

beforeAll(async () => {
  s = await openEditor('editor-history')
  page = s.page
  mkdirSync(join(s.dir, 'workflows'), { recursive: true })
  writeFileSync(join(s.dir, 'workflows', 'fox.json'), JSON.stringify(gen))
  await page.goto(`${s.server.url}/?workflow=fox`)
  await s.node('gen').waitFor()
})
afterAll(async () => {
  await s?.close()
})

describe('history', () => {
  it('a run that ends while the panel is open appears with status, time, cost and thumbnails', async () => {
    await page.locator('[data-testid="history-button"]').click()
    const panel = page.locator('[data-testid="history"]')
    await panel.waitFor()
    await expect.poll(() => panel.textContent()).toContain('No runs yet')
    await page.locator('[data-testid="run-button"]').click()
    await expect.poll(phase, { timeout: 30_000 }).toBe('finished')
    await expect.poll(() => items().first().getAttribute('data-status')).toBe('finished')
    const item = items().first()
    expect(await item.locator('.history-name').textContent()).toBe('fox')
    expect(await item.locator('[data-testid="history-time"]').textContent()).toMatch(/\d\d:\d\d/)
    expect(await item.locator('[data-testid="history-cost"]').textContent()).toMatch(/^GPU \d/)
    await expect.poll(() => item.locator('[data-testid="history-thumb"]').count()).toBe(2)
    await s.shot('1-history')
  })

  it('clicking a run shows its outputs, in the lightbox with name, size, seed and prompt', async () => {
    await items().first().click()
    const outputs = page.locator('[data-testid="history-output"]')
    await expect.poll(() => outputs.count()).toBe(2)
    await outputs.first().click()
    const box = page.locator('[data-testid="lightbox"]')
    await box.locator('img').waitFor()
    expect(await box.locator('[data-testid="lightbox-name"]').textContent()).toMatch(
      /^fox-\d+\.png$/,
    )
    await expect
      .poll(() => box.locator('[data-testid="lightbox-size"]').textContent())
      .toMatch(/^64x64 · [\d.]+ (B|KiB)$/)
    expect(await box.locator('[data-testid="lightbox-seed"]').textContent()).toBe('seed 1234')
    expect(await box.locator('[data-testid="lightbox-prompt"]').textContent()).toBe('a red fox')
    await s.shot('2-lightbox')
    await page.keyboard.press('Escape')
    await expect.poll(() => box.count()).toBe(0)
  })

  it('runs made through REST and the A1111 face appear live; restore opens a run with its inputs', async () => {
    const { runId } = await post('/api/runs', { name: 'fox', inputs: { prompt: 'a blue whale' } })
    await post('/sdapi/v1/txt2img', { prompt: 'a face run', steps: 2, width: 64, height: 64 })
    await expect.poll(() => items().count(), { timeout: 30_000 }).toBe(3)
    const rest = page.locator(`[data-testid="history-item"][data-run-id="${runId}"]`)
    await expect.poll(() => rest.getAttribute('data-status'), { timeout: 30_000 }).toBe('finished')
    await rest.click()
    await expect
      .poll(() => page.locator('[data-testid="history-inputs"]').textContent())
      .toBe('prompta blue whale')
    await page.locator('[data-testid="history-restore"]').click()
    const prompt = s.node('gen').locator('[data-param="prompt"] textarea')
    await expect.poll(() => prompt.inputValue()).toBe('a blue whale')
    expect(await page.locator('[data-testid="status"]').textContent()).toContain('Restored fox')
    await s.shot('3-restored')
  })

  it('survives a reload: it is server data', async () => {
    await page.reload()
    await page.locator('[data-testid="palette"]').waitFor()
    await page.locator('[data-testid="history-button"]').click()
    await expect.poll(() => items().count()).toBe(3)
    const face = items().filter({ hasText: 'a1111' })
    expect(await face.count()).toBe(1)
  })
})

describe('gallery', () => {
  it('shows the images of every run; the lightbox steps with buttons and arrow keys and downloads', async () => {
    await page.locator('[data-testid="gallery-button"]').click()
    const tiles = page.locator('[data-testid="gallery"] [data-testid="gallery-item"]')
    // two runs of fox (2 images each, different prompts) and one face run
    await expect.poll(() => tiles.count()).toBe(5)
    await s.shot('4-gallery')
    await tiles.first().click()
    const box = page.locator('[data-testid="lightbox"]')
    await box.locator('img').waitFor()
    expect(await box.getAttribute('data-index')).toBe('0')
    await box.locator('[data-testid="lightbox-next"]').click()
    expect(await box.getAttribute('data-index')).toBe('1')
    await page.keyboard.press('ArrowRight')
    expect(await box.getAttribute('data-index')).toBe('2')
    await page.keyboard.press('ArrowLeft')
    await box.locator('[data-testid="lightbox-prev"]').click()
    expect(await box.getAttribute('data-index')).toBe('0')
    const name = await box.locator('[data-testid="lightbox-name"]').textContent()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      box.locator('[data-testid="lightbox-download"]').click(),
    ])
    expect(download.suggestedFilename()).toBe(name)
    await page.keyboard.press('Escape')
    await expect.poll(() => box.count()).toBe(0)
  })

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([])
  })
})
