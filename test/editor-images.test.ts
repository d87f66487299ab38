/**
 * Images into the editor, in a real Chromium (issue 13 §4): a plain image dropped on the canvas
 * becomes a Load image node, Load image uploads through POST /api/uploads with a preview, the
 * image inputs of img2img, inpaint and ControlNet units take uploads the same way, and a mask
 * painted in the editor reaches the backend.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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

/** The bit of a canvas element the test reads (the tests type-check without the DOM lib). */
interface Canvas {
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> }
  } | null
}
const runPhase = () => page.locator('[data-testid="run-phase"]').textContent()
const solidImage = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer()

/** Open a workflow of these nodes as a saved one. */
function open(name: string, nodes: Record<string, unknown>) {
  mkdirSync(join(s.dir, 'workflows'), { recursive: true })
  writeFileSync(
    join(s.dir, 'workflows', `${name}.json`),
    JSON.stringify({ format: 'sdflow.workflow/1', name, nodes }),
  )
  return page.goto(`${s.server.url}/?workflow=${name}`)
}

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

  it('img2img and ControlNet unit image inputs upload through a Load image node, previewed before the run that uses them', async () => {
    await open('i2i', {
      i2i: {
        type: 'sd.img2img',
        params: { prompt: 'a watercolour', steps: 4, seed: 3, denoising_strength: 0.5 },
        inputs: { controlnet: [{ node: 'unit', output: 'unit' }] },
        ui: { x: 400, y: 0 },
      },
      unit: {
        type: 'sd.controlnet-unit',
        params: { model: 'control_v11p_sd15_canny [d14c016b]', module: 'canny' },
        ui: { x: 400, y: 420 },
      },
      save: {
        type: 'image.save',
        params: { prefix: 'i2i' },
        inputs: { image: { node: 'i2i', output: 'image' } },
        ui: { x: 750, y: 0 },
      },
    })
    await s.node('i2i').waitFor()
    const photo = await solidImage(96, 64, '#2a6ad0')
    await s
      .node('i2i')
      .locator('[data-testid="input-image"] [data-testid="upload"]')
      .setInputFiles({
        name: 'init.png',
        mimeType: 'image/png',
        buffer: photo,
      })
    await expect.poll(status).toContain('into i2i.image')
    await s
      .node('unit')
      .locator('[data-testid="input-image"] [data-testid="upload"]')
      .setInputFiles({
        name: 'edges.png',
        mimeType: 'image/png',
        buffer: await solidImage(96, 64, '#ffffff'),
      })
    await expect.poll(status).toContain('into unit.image')
    await expect.poll(() => page.locator('[data-node-type="image.load"]').count()).toBe(2)
    const preview = s
      .node('i2i')
      .locator('figure[data-input="image"] img[data-testid="upload-preview"]')
    await preview.waitFor()
    const hash = (await preview.getAttribute('src'))?.split('/').pop()
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    await s.node('unit').locator('figure[data-input="image"] img').waitFor()
    await s.shot('2-input-uploads')
    // the last test's run stays with its workflow: this one opens without it
    expect(await runPhase()).toBe('idle')
    await page.locator('[data-testid="run-button"]').click()
    await expect.poll(runPhase, { timeout: 30_000 }).toBe('finished')
    // the run's document names the upload by hash, as Load image does
    const runId = await page.locator('[data-testid="run-log"] header .muted').first().textContent()
    const run = (await (await fetch(`${s.server.url}/api/runs/${runId}`)).json()) as {
      document: { nodes: Record<string, { type: string; params: { artifact?: string } }> }
      nodes: Record<string, { outputs?: { image?: { width: number }[] } }>
    }
    const loads = Object.values(run.document.nodes).filter((n) => n.type === 'image.load')
    expect(loads.map((n) => n.params.artifact)).toContain(hash)
    expect(run.nodes.i2i?.outputs?.image?.[0]?.width, JSON.stringify(run)).toBe(96)
  })

  it('a mask painted over the init image feeds inpaint: the result changes where painted only', async () => {
    await open('paint', {
      fix: {
        type: 'sd.inpaint',
        params: {
          prompt: 'a bright window',
          steps: 4,
          seed: 5,
          denoising_strength: 1,
          mask_blur: 0,
          inpainting_fill: 1,
        },
        ui: { x: 400, y: 0 },
      },
    })
    await s.node('fix').waitFor()
    const init = await solidImage(64, 64, '#808080')
    await s
      .node('fix')
      .locator('[data-testid="input-image"] [data-testid="upload"]')
      .setInputFiles({
        name: 'room.png',
        mimeType: 'image/png',
        buffer: init,
      })
    await expect.poll(status).toContain('into fix.image')
    await s.node('fix').locator('[data-testid="mask-paint"]').click()
    const painter = page.locator('[data-testid="mask-painter"]')
    await painter.waitFor()
    await painter.locator('img').waitFor()
    const canvas = painter.locator('[data-testid="mask-canvas"]')
    await canvas.waitFor()
    const box = await canvas.boundingBox()
    if (!box) throw new Error('no mask canvas')
    const to = (x: number, y: number) => ({
      x: box.x + (x / 64) * box.width,
      y: box.y + (y / 64) * box.height,
    })
    const drag = async (from: [number, number], until: [number, number]) => {
      const a = to(...from)
      const b = to(...until)
      await page.mouse.move(a.x, a.y)
      await page.mouse.down()
      await page.mouse.move(b.x, b.y, { steps: 8 })
      await page.mouse.up()
    }
    const pixel = (x: number, y: number) =>
      canvas.evaluate(
        (el, [px, py]) => (el as Canvas).getContext('2d')?.getImageData(px, py, 1, 1).data[0],
        [x, y] as [number, number],
      )
    await painter.locator('[data-testid="mask-size"]').fill('20')
    await drag([10, 2], [10, 62])
    expect(await pixel(8, 32)).toBe(255)
    expect(await pixel(56, 32)).toBe(0)
    // eraser, invert, clear each act on the mask
    await painter.locator('[data-testid="mask-eraser"]').click()
    await drag([10, 28], [10, 36])
    expect(await pixel(10, 32)).toBe(0)
    await painter.locator('[data-testid="mask-invert"]').click()
    expect(await pixel(56, 32)).toBe(255)
    expect(await pixel(10, 32)).toBe(255)
    await painter.locator('[data-testid="mask-clear"]').click()
    expect(await pixel(56, 32)).toBe(0)
    await painter.locator('[data-testid="mask-brush"]').click()
    await drag([10, 2], [10, 62])
    await s.shot('3-mask-painter')
    await painter.locator('[data-testid="mask-apply"]').click()
    await expect.poll(() => painter.count()).toBe(0)
    await expect.poll(status).toContain('into fix.mask')
    await s.node('fix').locator('figure[data-input="mask"] img').waitFor()
    await page.locator('[data-testid="run-button"]').click()
    await expect.poll(runPhase, { timeout: 30_000 }).toBe('finished')
    const src = await s
      .node('fix')
      .locator('img[data-testid="node-output"]')
      .first()
      .getAttribute('src')
    const out = Buffer.from(await (await fetch(`${s.server.url}${src}`)).arrayBuffer())
    const { data, info } = await sharp(out)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
    const rgb = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ]
    const grey = [128, 128, 128]
    const off = (p: number[]) => Math.max(...p.map((v, i) => Math.abs(v - (grey[i] ?? 0))))
    expect(off(rgb(56, 32))).toBeLessThanOrEqual(2)
    expect(off(rgb(8, 32))).toBeGreaterThan(10)
    await s.shot('4-inpainted')
    // the Load image node holding the mask opens the painter on it too, to paint on
    const again = page.locator('[data-node-type="image.load"] [data-testid="mask-paint"]')
    expect(await again.count()).toBe(1)
    await page.locator('[data-testid="fit-button"]').click()
    await again.click()
    await painter.waitFor()
    await expect.poll(() => pixel(8, 32)).toBe(255)
    expect(await pixel(56, 32)).toBe(0)
    await page.keyboard.press('Escape')
    await expect.poll(() => painter.count()).toBe(0)
  })

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([])
  })
})
