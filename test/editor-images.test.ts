/**
 * Images into the editor, in a real Chromium (issue 13 §4): a plain image dropped on the canvas
 * becomes a Load image node, and Load image uploads through POST /api/uploads with a preview.
 */
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, openEditor } from './editor.test-support.js'

let s: EditorSession
let page: Page
const status = () => page.locator('[data-testid="status"]').textContent()
// any PNG without an sdflow chunk is a plain image: the README's screenshots are not at hand,
// so a 1x1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

beforeAll(async () => {
  s = await openEditor('editor-images')
  page = s.page
})
afterAll(async () => {
  await s?.close()
})

describe('images in', () => {
  it('a plain image dropped on the canvas becomes a Load image node holding it', async () => {
    await s.dropFile('photo.png', 'image/png', PNG)
    await expect.poll(() => s.node('load').count()).toBe(1)
    await expect.poll(status).toContain('Uploaded 1x1 image/png')
    const preview = s.node('load').locator('img[data-testid="upload-preview"]')
    await preview.waitFor()
    expect(await preview.getAttribute('src')).toMatch(/^\/api\/artifacts\/[0-9a-f]{64}$/)
  })

  it('the upload button stores another image and previews it before any run; the run loads it', async () => {
    const before = await s
      .node('load')
      .locator('img[data-testid="upload-preview"]')
      .getAttribute('src')
    const photo = await sharp({
      create: { width: 96, height: 64, channels: 3, background: '#d04a2a' },
    })
      .jpeg()
      .toBuffer()
    await s.node('load').locator('input[data-testid="upload"]').setInputFiles({
      name: 'photo.jpg',
      mimeType: 'image/jpeg',
      buffer: photo,
    })
    await expect
      .poll(() => s.node('load').locator('img[data-testid="upload-preview"]').getAttribute('src'))
      .not.toBe(before)
    await s.shot('1-uploaded')
    await page.locator('[data-testid="run-button"]').click()
    await expect
      .poll(() => page.locator('[data-testid="run-phase"]').textContent(), { timeout: 20_000 })
      .toBe('finished')
    await expect(s.node('load').getAttribute('data-status')).resolves.toBe('done')
  })

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([])
  })
})
