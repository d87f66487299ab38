/**
 * The editor in a real Chromium against the server with its embedded A1111 emulator. Needs
 * `npm run build -w @sdflow/editor` first (the root `npm test` does it).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, input, openEditor, output, root } from './editor.test-support.js'

const NAME = 'fox-upscale'

let s: EditorSession
let page: Page
let dir: string
const node = (id: string) => s.node(id)
const shot = (name: string) => s.shot(name)
const dragSocket = (from: string, to: string) => s.dragSocket(from, to)
const dropFile = (name: string, mime: string, bytes: Buffer) => s.dropFile(name, mime, bytes)
const server = {
  get url() {
    return s.server.url
  },
}
const expectStatus = (status: number | undefined) => {
  s.expected.status = status
}
/** Agree to the in-page question (discard unsaved edits, replace a file). */
const confirm = () => page.locator('[data-testid="confirm-yes"]').click()

beforeAll(async () => {
  s = await openEditor('editor')
  page = s.page
  dir = s.dir
})

afterAll(async () => {
  await s?.close()
})

describe('editor in Chromium', () => {
  it('adds a node from the right-click search; Delete, Ctrl+Z and Ctrl+Shift+Z work', async () => {
    const count = () => page.locator('[data-testid="node"]').count()
    const box = await page.locator('[data-testid="canvas"]').boundingBox()
    if (!box) throw new Error('no canvas')
    await page.mouse.click(box.x + 200, box.y + 150, { button: 'right' })
    const popup = page.locator('[data-testid="node-search"]')
    await popup.locator('input').fill('shape mask')
    await shot('0-search-right-click')
    await popup.locator('[data-testid="node-search-item"][data-type="mask.shape"]').click()
    await expect.poll(count).toBe(1)
    await expect.poll(() => popup.count()).toBe(0)
    await expect(page.locator('[data-testid="node"]').getAttribute('data-node-type')).resolves.toBe(
      'mask.shape',
    )
    await page.locator('[data-testid="node"] .sd-node-title').click()
    await page.keyboard.press('Delete')
    await expect.poll(count).toBe(0)
    await page.keyboard.press('Control+z')
    await expect.poll(count).toBe(1)
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(count).toBe(0)
  })

  it('builds txt2img -> upscale -> save from the palette by dragging links', async () => {
    const palette = page.locator('[data-testid="palette"]')
    await palette.locator('input[type="search"]').fill('text to')
    await palette.locator('[data-type="sd.txt2img"]').click()
    await palette.locator('input[type="search"]').fill('')
    await palette.locator('[data-type="sd.upscale"]').click()
    await palette.locator('[data-type="image.save"]').click()
    await expect.poll(() => page.locator('[data-testid="node"]').count()).toBe(3)
    await page.locator('[data-testid="fit-button"]').click()

    await node('txt2img').locator('[data-param="prompt"] textarea').fill('a red fox in the snow')
    await dragSocket(output('txt2img', 'image'), input('upscale', 'image'))
    await dragSocket(output('upscale', 'image'), input('save', 'image'))
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(2)

    // fewer steps, set in the inspector (all params), so the run is short
    await node('txt2img').locator('.sd-node-title').click()
    await page.locator('[data-testid="inspector"] [data-param="steps"] input').fill('16')
    await page.locator('[data-testid="arrange-button"]').click()
    await page.locator('[data-testid="canvas"]:not([data-busy])').waitFor()
    await expect.poll(() => node('txt2img').locator('[data-testid="issue"]').count()).toBe(0)
    await shot('1-built')
  })

  it('refuses a link between incompatible sockets and says why', async () => {
    await dragSocket(output('txt2img', 'seeds'), input('save', 'image'))
    await expect
      .poll(() => page.locator('[data-testid="status"]').textContent())
      .toContain('integer cannot feed an input of kind image')
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(2)
    await shot('2-refused')
  })

  it('saves under a name and opens it again from /?workflow=NAME', async () => {
    await page.locator('[data-testid="save-as-button"]').click()
    await page.locator('[data-testid="save-as-name"]').fill(NAME)
    await shot('2b-save-as')
    await page.locator('[data-testid="save-as-submit"]').click()
    await expect
      .poll(() => page.locator('[data-testid="status"]').textContent())
      .toContain(`Saved ${NAME}`)
    const saved = JSON.parse(readFileSync(join(dir, 'workflows', `${NAME}.json`), 'utf8'))
    expect(saved.nodes.txt2img.params).toMatchObject({ prompt: 'a red fox in the snow', steps: 16 })
    expect(saved.nodes.save.inputs.image).toEqual({ node: 'upscale', output: 'image' })
    expect(saved.nodes.txt2img.ui).toMatchObject({ x: expect.any(Number), y: expect.any(Number) })

    await page.goto(`${server.url}/?workflow=${NAME}`)
    await expect.poll(() => page.locator('[data-testid="node"]').count()).toBe(3)
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(2)
    await expect(
      node('txt2img').locator('[data-param="prompt"] textarea').inputValue(),
    ).resolves.toBe('a red fox in the snow')
    await expect(page.locator('[data-testid="doc-title"]').textContent()).resolves.toBe(NAME)
  })

  it('refuses to save over a file changed since it was opened (412), and says so', async () => {
    const file = join(dir, 'workflows', `${NAME}.json`)
    const theirs = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({ ...theirs, description: 'changed elsewhere' }))
    expectStatus(412)
    await page.locator('[data-testid="save-button"]').click()
    await expect
      .poll(() => page.locator('[data-testid="status"]').textContent())
      .toContain('Conflict')
    expectStatus(undefined)
    expect(JSON.parse(readFileSync(file, 'utf8')).description).toBe('changed elsewhere')
    // reopen to continue from the server's version
    await page.goto(`${server.url}/?workflow=${NAME}`)
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(2)
  })

  it('runs it: progress advances, then output thumbnails appear, also after a reload', async () => {
    await page.locator('[data-testid="run-button"]').click()
    const progress = node('txt2img').locator('[data-testid="node-progress"]')
    await progress.waitFor()
    const steps = new Set<number>()
    for (let i = 0; i < 40 && steps.size < 3; i++) {
      const step = await progress.getAttribute('data-step').catch(() => null)
      if (step !== null) steps.add(Number(step))
      await page.waitForTimeout(50)
    }
    expect(steps.size).toBeGreaterThanOrEqual(2)
    await shot('3-running')

    // closing and reopening the page picks the stream up again
    await page.reload()
    await node('save')
      .locator('img[data-testid="node-output"]')
      .first()
      .waitFor({ timeout: 20_000 })
    await expect(node('txt2img').getAttribute('data-status')).resolves.toBe('done')
    await expect(node('save').getAttribute('data-status')).resolves.toBe('done')
    await expect
      .poll(() => page.locator('[data-testid="run-phase"]').textContent())
      .toBe('finished')
    const src = await node('save')
      .locator('img[data-testid="node-output"]')
      .first()
      .getAttribute('src')
    expect(src).toMatch(/^\/api\/artifacts\/[0-9a-f]{64}$/)
    await expect
      .poll(() => page.locator('[data-testid="run-cost"]').textContent())
      .toMatch(/^GPU \d+\.\d s/)
    await shot('4-finished')

    await node('save').locator('img[data-testid="node-output"]').first().click()
    await page.locator('[data-testid="lightbox"] img').waitFor()
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('[data-testid="lightbox"]').count()).toBe(0)
  })

  it('loads the workflow embedded in a PNG that sdflow wrote', async () => {
    const pngs = readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.png'))
    expect(pngs.length).toBeGreaterThan(0)
    await page.locator('[data-testid="palette"] [data-type="image.qr-code"]').click()
    await expect.poll(() => page.locator('[data-testid="node"]').count()).toBe(4)
    await dropFile(
      pngs[0] as string,
      'image/png',
      readFileSync(join(dir, 'out', pngs[0] as string)),
    )
    // the added node is an unsaved edit: nothing is replaced before the user agrees
    await page.locator('[data-testid="confirm-dialog"]').waitFor()
    expect(await page.locator('[data-testid="node"]').count()).toBe(4)
    await confirm()
    await expect.poll(() => page.locator('[data-testid="node"]').count()).toBe(3)
    await expect(page.locator('[data-testid="status"]').textContent()).resolves.toContain('Loaded')
  })

  it('shows the issues of a workflow that cannot run on the node and field they name', async () => {
    const bad = readFileSync(join(root, 'test/fixtures/workflows/unknown-sampler.json'))
    await dropFile('unknown-sampler.json', 'application/json', bad)
    await confirm()
    await expect.poll(() => page.locator('[data-testid="node"]').count()).toBe(1)
    // checked in the editor before any run
    const issue = node('gen').locator(
      '[data-testid="issue"][data-pointer="/nodes/gen/params/sampler_name"]',
    )
    await expect.poll(() => issue.count()).toBeGreaterThan(0)

    // and the server's verdict when run
    expectStatus(400)
    await page.locator('[data-testid="run-button"]').click()
    await expect.poll(() => issue.first().textContent()).toContain('did you mean')
    await expect
      .poll(() => page.locator('[data-testid="status"]').textContent())
      .toContain('Not run')
    expectStatus(undefined)
    await shot('5-issues')
  })

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([])
  })
})
