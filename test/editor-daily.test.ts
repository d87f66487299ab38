/**
 * The editor for daily work, in a real Chromium: nothing lost or misreported (issue 13 §2), nodes
 * added and edited the ComfyUI way (§3). Needs `npm run build -w @sdflow/editor` first.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, input, openEditor, output, root } from './editor.test-support.js'

let s: EditorSession
let page: Page
let examples: string
const nodes = () => page.locator('[data-testid="node"]')
const status = () => page.locator('[data-testid="status"]').textContent()
const canvasBox = async () => {
  const box = await page.locator('[data-testid="canvas"]').boundingBox()
  if (!box) throw new Error('no canvas')
  return box
}
const example = {
  format: 'sdflow.workflow/1',
  name: 'shipped-qr',
  description: 'a shipped example',
  nodes: {
    qr: { type: 'image.qr-code', params: { text: 'https://example.com' }, ui: { x: 0, y: 0 } },
  },
}

beforeAll(async () => {
  const base = join(process.env.TMPDIR ?? '/tmp', `sdflow-examples-${process.pid}`)
  mkdirSync(base, { recursive: true })
  writeFileSync(join(base, 'shipped-qr.json'), JSON.stringify(example))
  examples = base
  s = await openEditor('editor-daily', { examplesDir: examples })
  page = s.page
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: s.server.url,
  })
})

afterAll(async () => {
  await s?.close()
})

async function addBySearch(query: string, type: string, at: { x: number; y: number }) {
  const box = await canvasBox()
  await page.mouse.move(box.x + at.x, box.y + at.y)
  await page.keyboard.press('Space')
  const popup = page.locator('[data-testid="node-search"]')
  await popup.waitFor()
  await popup.locator('input').fill(query)
  await popup.locator(`[data-testid="node-search-item"][data-type="${type}"]`).click()
  await expect.poll(() => popup.count()).toBe(0)
}

describe('adding nodes the ComfyUI way', () => {
  it('double-click on empty canvas opens a focused search at the pointer and adds the node there', async () => {
    const box = await canvasBox()
    await page.mouse.dblclick(box.x + 300, box.y + 200)
    const popup = page.locator('[data-testid="node-search"]')
    await popup.waitFor()
    // focused: typing goes straight into it
    await page.keyboard.type('qr code')
    await expect(popup.locator('input').inputValue()).resolves.toBe('qr code')
    const at = await popup.boundingBox()
    expect(Math.abs((at?.x ?? 0) - (box.x + 300))).toBeLessThan(5)
    expect(Math.abs((at?.y ?? 0) - (box.y + 200))).toBeLessThan(5)
    // matches descriptions too
    await popup.locator('input').fill('scan')
    await expect
      .poll(() =>
        popup
          .locator('[data-testid="node-search-item"]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-type'))),
      )
      .toContain('image.qr-verify')
    await popup.locator('input').fill('qr code')
    await s.shot('1-search-popup')
    await page.keyboard.press('Enter')
    await expect.poll(() => nodes().count()).toBe(1)
    const added = await nodes().first().boundingBox()
    expect(Math.abs((added?.x ?? 0) - (box.x + 300))).toBeLessThan(40)
    expect(Math.abs((added?.y ?? 0) - (box.y + 200))).toBeLessThan(40)
  })

  it('Space opens the search too; Escape closes it', async () => {
    const box = await canvasBox()
    await page.mouse.move(box.x + 500, box.y + 300)
    await page.keyboard.press('Space')
    await page.locator('[data-testid="node-search"]').waitFor()
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('[data-testid="node-search"]').count()).toBe(0)
  })

  it('a link let go on empty canvas offers only compatible nodes and connects the one picked', async () => {
    const from = await page.locator(output('qr-code', 'image')).boundingBox()
    if (!from) throw new Error('no socket')
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
    await page.mouse.down()
    await page.mouse.move(from.x + 320, from.y + 40, { steps: 10 })
    await page.mouse.up()
    const popup = page.locator('[data-testid="node-search"]')
    await popup.waitFor()
    const types = await popup
      .locator('[data-testid="node-search-item"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))
    expect(types).toContain('image.save')
    expect(types).not.toContain('sd.txt2img') // takes no image input
    await s.shot('2-search-from-link')
    await popup.locator('input').fill('save')
    await popup.locator('[data-testid="node-search-item"][data-type="image.save"]').click()
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(1)
    await expect.poll(() => nodes().count()).toBe(2)
  })

  it('copies, pastes (through the clipboard) and duplicates nodes with their links', async () => {
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Control+c')
    await expect.poll(status).toContain('Copied 2 nodes')
    const clip = await page.evaluate('navigator.clipboard.readText()')
    if (typeof clip !== 'string') throw new Error('no clipboard text')
    expect(Object.keys(JSON.parse(clip).nodes).sort()).toEqual(['qr-code', 'save'])
    const box = await canvasBox()
    await page.mouse.move(box.x + 150, box.y + 420)
    await page.keyboard.press('Control+v')
    await expect.poll(() => nodes().count()).toBe(4)
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(2)
    // the pasted nodes are the selection now: Ctrl+D copies them again
    await page.keyboard.press('Control+d')
    await expect.poll(() => nodes().count()).toBe(6)
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(3)
    await page.locator('[data-testid="fit-button"]').click()
    await s.shot('3-pasted')
    await page.keyboard.press('Control+z')
    await page.keyboard.press('Control+z')
    await page.keyboard.press('Control+z')
  })

  it('the node menu copies, duplicates, pastes and deletes', async () => {
    const ids = () => nodes().evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')))
    const links = () => page.locator('[data-testid="connection"]').count()
    // what the copy test's undos left: the QR node alone
    await expect.poll(ids).toEqual(['qr-code'])
    await addBySearch('save image', 'image.save', { x: 700, y: 420 })
    await expect.poll(ids).toEqual(['qr-code', 'save'])
    const menu = async (id: string, item: string) => {
      await page.locator('[data-testid="canvas"]').click({ position: { x: 5, y: 5 } })
      await s.node(id).locator('.sd-node-title').click({ button: 'right' })
      await page.locator('[data-testid="node-menu"]').waitFor()
      await page.locator('[data-testid="context-menu-item"]', { hasText: item }).click()
      await expect.poll(() => page.locator('[data-testid="node-menu"]').count()).toBe(0)
    }
    await page.evaluate('navigator.clipboard.writeText("")')
    await menu('save', 'Copy')
    await expect.poll(status).toContain('Copied 1 node')
    const clip = await page.evaluate('navigator.clipboard.readText()')
    if (typeof clip !== 'string') throw new Error('no clipboard text')
    expect(Object.keys(JSON.parse(clip).nodes)).toEqual(['save'])

    await menu('qr-code', 'Duplicate')
    await expect.poll(async () => (await ids()).length).toBe(3)
    const [copy] = (await ids()).filter((id) => id !== 'qr-code' && id !== 'save')
    if (!copy) throw new Error('no duplicate')
    await expect(s.node(copy).getAttribute('data-node-type')).resolves.toBe('image.qr-code')
    await expect(s.node(copy).locator('[data-param="text"] input').inputValue()).resolves.toBe(
      await s.node('qr-code').locator('[data-param="text"] input').inputValue(),
    )

    // Paste puts what Copy took (save) where the menu was opened
    await menu(copy, 'Paste')
    await expect.poll(async () => (await ids()).length).toBe(4)
    const [pasted] = (await ids()).filter((id) => !['qr-code', 'save', copy].includes(id ?? ''))
    if (!pasted) throw new Error('nothing pasted')
    await expect(s.node(pasted).getAttribute('data-node-type')).resolves.toBe('image.save')

    // Delete removes the node and its links
    await s.dragSocket(output(copy, 'image'), input(pasted, 'image'))
    await expect.poll(links).toBe(1)
    await menu(copy, 'Delete')
    await expect.poll(ids).toEqual(['qr-code', 'save', pasted])
    await expect.poll(links).toBe(0)
    await menu(pasted, 'Delete')
    await expect.poll(ids).toEqual(['qr-code', 'save'])
    // linked again for the next test
    await s.dragSocket(output('qr-code', 'image'), input('save', 'image'))
    await expect.poll(links).toBe(1)
  })

  it('copies in one tab and pastes in another through the system clipboard', async () => {
    mkdirSync(join(s.dir, 'workflows'), { recursive: true })
    writeFileSync(
      join(s.dir, 'workflows', 'blank.json'),
      JSON.stringify({ format: 'sdflow.workflow/1', name: 'blank', nodes: {} }),
    )
    const other = await s.context.newPage()
    const otherErrors: string[] = []
    other.on('pageerror', (error) => otherErrors.push(error.message))
    other.on('dialog', (dialog) => {
      otherErrors.push(`browser dialog: ${dialog.message()}`)
      void dialog.dismiss()
    })
    try {
      await other.goto(`${s.server.url}/?workflow=blank`)
      await other.locator('[data-testid="palette"]').waitFor()
      const otherNodes = other.locator('[data-testid="node"]')
      await expect
        .poll(() => other.locator('[data-testid="doc-title"]').textContent())
        .toBe('blank')
      expect(await otherNodes.count()).toBe(0)

      await page.bringToFront()
      await page.keyboard.press('Control+a')
      await page.keyboard.press('Control+c')
      await expect.poll(status).toContain('Copied 2 nodes')

      // the other tab never copied anything itself: only the clipboard can fill it
      await other.bringToFront()
      const box = await other.locator('[data-testid="canvas"]').boundingBox()
      if (!box) throw new Error('no canvas')
      await other.mouse.move(box.x + 200, box.y + 200)
      await other.keyboard.press('Control+v')
      await expect
        .poll(() =>
          otherNodes.evaluateAll((els) => els.map((e) => e.getAttribute('data-node-type')).sort()),
        )
        .toEqual(['image.qr-code', 'image.save'])
      await expect.poll(() => other.locator('[data-testid="connection"]').count()).toBe(1)
      await other.screenshot({
        path: join(root, 'test-results', 'editor-daily', '3b-other-tab.png'),
      })
      expect(otherErrors).toEqual([])
    } finally {
      await other.close()
      await page.bringToFront()
    }
  })

  it('Ctrl+B bypasses a node, the saved document says "bypass": true, the engine passes it through', async () => {
    // one clean chain: qr -> save
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Delete')
    await expect.poll(() => nodes().count()).toBe(0)
    await addBySearch('qr code', 'image.qr-code', { x: 120, y: 150 })
    await addBySearch('resize', 'image.resize', { x: 420, y: 150 })
    await addBySearch('save image', 'image.save', { x: 720, y: 150 })
    await s.dragSocket(output('qr-code', 'image'), input('resize', 'image'))
    await s.dragSocket(output('resize', 'image'), input('save', 'image'))
    await expect.poll(() => page.locator('[data-testid="connection"]').count()).toBe(2)
    await s.node('resize').locator('.sd-node-title').click()
    await page.locator('[data-testid="inspector"] [data-param="width"] input').fill('64')
    await s.node('qr-code').locator('[data-param="text"] input').fill('hello')
    await s.node('resize').locator('.sd-node-title').click()
    await page.keyboard.press('Control+b')
    await expect(s.node('resize').getAttribute('data-bypassed')).resolves.toBe('true')
    await s.shot('4-bypassed')

    await page.locator('[data-testid="save-as-button"]').click()
    await page.locator('[data-testid="save-as-name"]').fill('bypass-chain')
    await page.locator('[data-testid="save-as-submit"]').click()
    await expect.poll(status).toContain('Saved bypass-chain')
    const saved = JSON.parse(readFileSync(join(s.dir, 'workflows', 'bypass-chain.json'), 'utf8'))
    expect(saved.nodes.resize.bypass).toBe(true)
    expect(saved.nodes['qr-code'].bypass).toBeUndefined()

    // the node menu toggles it back; undo restores it
    await s.node('resize').locator('.sd-node-title').click({ button: 'right' })
    await page.locator('[data-testid="node-menu"]').waitFor()
    await s.shot('5-node-menu')
    await page.locator('[data-testid="context-menu-item"]', { hasText: 'Bypass' }).click()
    await expect(s.node('resize').getAttribute('data-bypassed')).resolves.toBeNull()
    await page.keyboard.press('Control+z')
    await expect(s.node('resize').getAttribute('data-bypassed')).resolves.toBe('true')

    // run in the browser: what reaches save is the QR image itself, not a 64 px resize of it
    await page.locator('[data-testid="run-button"]').click()
    await expect
      .poll(() => page.locator('[data-testid="run-phase"]').textContent(), { timeout: 20_000 })
      .toBe('finished')
    const shown = (id: string) => s.node(id).locator('img[data-testid="node-output"]').first()
    const qrSrc = await shown('qr-code').getAttribute('src')
    expect(qrSrc).toMatch(/^\/api\/artifacts\/[0-9a-f]{64}$/)
    await expect(shown('save').getAttribute('src')).resolves.toBe(qrSrc)
    const width = (id: string) =>
      shown(id).evaluate((img) => (img as { naturalWidth: number }).naturalWidth)
    await expect.poll(() => width('save')).toBeGreaterThan(64)
    await expect(width('save')).resolves.toBe(await width('qr-code'))
  })

  it('Ctrl+S saves, Ctrl+Enter runs, ? lists the shortcuts', async () => {
    await page.keyboard.press('Shift+?')
    await page.locator('[data-testid="shortcuts"]').waitFor()
    await expect(page.locator('[data-testid="shortcuts"]').textContent()).resolves.toContain(
      'Ctrl+Enter',
    )
    await s.shot('6-shortcuts')
    await page.keyboard.press('Escape')
    // a change, then Ctrl+S: saved under its name
    await s.node('qr-code').locator('[data-param="text"] input').fill('https://example.org')
    await page.locator('[data-testid="canvas"]').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('Control+s')
    const file = join(s.dir, 'workflows', 'bypass-chain.json')
    await expect
      .poll(() => JSON.parse(readFileSync(file, 'utf8')).nodes['qr-code'].params.text)
      .toBe('https://example.org')
    await page.keyboard.press('Control+Enter')
    await expect
      .poll(() => page.locator('[data-testid="run-phase"]').textContent(), { timeout: 20_000 })
      .toBe('finished')
    await expect(s.node('save').getAttribute('data-status')).resolves.toBe('done')
  })
})

describe('losing nothing, misreporting nothing', () => {
  it('the run log says where every image was written, with a link to it', async () => {
    const link = page.locator('[data-testid="log-file"]').first()
    await link.waitFor()
    const path = await link.getAttribute('data-path')
    expect(readdirSync(join(s.dir, 'out'))).toContain(path?.split('/').pop())
    expect(await link.getAttribute('href')).toMatch(/^\/api\/artifacts\/[0-9a-f]{64}$/)
    await s.shot('7-log-files')
  })

  it('a click on a node header does not mark the document dirty', async () => {
    const title = page.locator('[data-testid="doc-title"]')
    await expect.poll(() => title.textContent()).toBe('bypass-chain')
    await s.node('save').locator('.sd-node-title').click()
    await page.waitForTimeout(400) // the draft is written 150 ms after a change
    await expect(title.textContent()).resolves.toBe('bypass-chain')
  })

  it('New asks before replacing unsaved edits; Cancel keeps them', async () => {
    await s.node('save').locator('.sd-node-title').hover()
    await page.mouse.down()
    await page.mouse.move(900, 500, { steps: 5 })
    await page.mouse.up()
    await expect.poll(() => page.locator('[data-testid="doc-title"]').textContent()).toContain('•')
    await page.getByRole('button', { name: 'New', exact: true }).click()
    await page.locator('[data-testid="confirm-dialog"]').waitFor()
    await s.shot('8-confirm-discard')
    await page.locator('[data-testid="confirm-no"]').click()
    await expect(nodes().count()).resolves.toBe(3)
  })

  it('Open lists the user workflows apart from the read-only examples; Save of an example asks for a new name', async () => {
    await page.locator('[data-testid="open-button"]').click()
    const dialog = page.locator('[data-testid="open-dialog"]')
    await dialog.locator('[data-testid="workflows-example"] [data-workflow="shipped-qr"]').waitFor()
    await expect(
      dialog.locator('[data-testid="workflows-user"] [data-workflow="bypass-chain"]').count(),
    ).resolves.toBe(1)
    await s.shot('9-open-dialog')
    await dialog.locator('[data-workflow="shipped-qr"]').click()
    // unsaved edits: asked first
    await page.locator('[data-testid="confirm-yes"]').click()
    await expect.poll(() => nodes().count()).toBe(1)
    await page.locator('[data-testid="save-button"]').click()
    await page.locator('[data-testid="save-as-dialog"]').waitFor()
    await expect(page.locator('[data-testid="save-as-name"]').inputValue()).resolves.toBe(
      'my-shipped-qr',
    )
    await page.locator('[data-testid="save-as-submit"]').click()
    await expect.poll(status).toContain('Saved my-shipped-qr')
    expect(readdirSync(examples)).toEqual(['shipped-qr.json'])
  })

  it('an out-of-range param blocks Run and the issue is shown', async () => {
    await addBySearch('text to image', 'sd.txt2img', { x: 300, y: 350 })
    await s.node('txt2img').locator('.sd-node-title').click()
    await page.locator('[data-testid="inspector"] [data-param="steps"] input').fill('100000')
    await page.locator('[data-testid="run-button"]').click()
    await expect.poll(status).toContain('Not run: txt2img')
    await expect(
      s
        .node('txt2img')
        .locator('[data-testid="issue"][data-pointer="/nodes/txt2img/params/steps"]')
        .count(),
    ).resolves.toBeGreaterThan(0)
    await expect(page.locator('[data-testid="run-phase"]').textContent()).resolves.not.toBe(
      'running',
    )
    await s.shot('10-blocked-run')
    await page.locator('[data-testid="inspector"] [data-param="steps"] input').fill('4')
  })

  it('Cancel clears every running and queued badge', async () => {
    const slow = {
      format: 'sdflow.workflow/1',
      name: 'slow',
      nodes: {
        gen: { type: 'sd.txt2img', params: { prompt: 'a fox', steps: 150 }, ui: { x: 0, y: 0 } },
        save: {
          type: 'image.save',
          inputs: { image: { node: 'gen', output: 'image' } },
          ui: { x: 320, y: 0 },
        },
      },
    }
    writeFileSync(join(s.dir, 'workflows', 'slow.json'), JSON.stringify(slow))
    await page.goto(`${s.server.url}/?workflow=slow`)
    await expect.poll(() => nodes().count()).toBe(2)
    await page.locator('[data-testid="run-button"]').click()
    await s.node('gen').locator('[data-testid="node-progress"]').waitFor({ timeout: 20_000 })
    await page.locator('[data-testid="cancel-button"]').click()
    await expect
      .poll(() => page.locator('[data-testid="run-phase"]').textContent(), { timeout: 20_000 })
      .toBe('cancelled')
    const left = await nodes().evaluateAll((els) =>
      els
        .map((e) => e.getAttribute('data-status'))
        .filter((x) => x === 'running' || x === 'queued'),
    )
    expect(left).toEqual([])
    await s.shot('11-cancelled')
  })

  it('declares a workflow output, renames a node, and shows a node left out as not-run with why', async () => {
    const partial = {
      format: 'sdflow.workflow/1',
      name: 'partial',
      nodes: {
        qr: { type: 'image.qr-code', params: { text: 'hi' }, ui: { x: 0, y: 0 } },
        pattern: { type: 'image.pattern', ui: { x: 320, y: 0 } },
      },
    }
    writeFileSync(join(s.dir, 'workflows', 'partial.json'), JSON.stringify(partial))
    await page.goto(`${s.server.url}/?workflow=partial`)
    await expect.poll(() => nodes().count()).toBe(2)
    await s.node('qr').locator('.sd-node-title').click()
    const inspector = page.locator('[data-testid="inspector"]')
    await inspector.locator('[data-testid="expose-output-image"]').fill('code')
    await inspector.locator('[data-testid="expose-output-image"]').press('Enter')
    await inspector.locator('[data-testid="node-id"]').fill('my-code')
    await inspector.locator('[data-testid="node-id"]').press('Enter')
    await expect.poll(() => s.node('my-code').count()).toBe(1)
    await s.shot('12-contract')
    await page.locator('[data-testid="save-button"]').click()
    const file = join(s.dir, 'workflows', 'partial.json')
    await expect
      .poll(() => JSON.parse(readFileSync(file, 'utf8')).outputs)
      .toEqual({ code: { node: 'my-code', output: 'image' } })

    await page.locator('[data-testid="run-button"]').click()
    await expect
      .poll(() => page.locator('[data-testid="run-phase"]').textContent(), { timeout: 20_000 })
      .toBe('finished')
    await expect(s.node('my-code').getAttribute('data-status')).resolves.toBe('done')
    await expect(s.node('pattern').getAttribute('data-status')).resolves.toBe('not-run')
    await expect(
      s.node('pattern').locator('[data-testid="issue"]').first().textContent(),
    ).resolves.toContain('feeds no output')
    await s.shot('13-not-run')
  })

  it('exposes a param as a named workflow input; the saved document declares it and a run sets it', async () => {
    await s.node('my-code').locator('.sd-node-title').click()
    const inspector = page.locator('[data-testid="inspector"]')
    await inspector.locator('[data-testid="expose-param"]').selectOption('text')
    const name = inspector.locator('[data-testid="expose-input-text"]')
    await expect(name.inputValue()).resolves.toBe('text')
    await name.fill('message')
    await name.press('Enter')
    await s.shot('14-exposed-input')
    await page.locator('[data-testid="save-button"]').click()
    const file = join(s.dir, 'workflows', 'partial.json')
    await expect
      .poll(() => JSON.parse(readFileSync(file, 'utf8')).inputs)
      .toEqual({ message: { node: 'my-code', param: 'text' } })

    // the editor's run above used the param's own value, "hi": the same value given as the
    // input makes the same image, another value another one
    const inEditor = s.node('my-code').locator('img[data-testid="node-output"]').first()
    const editorSrc = await inEditor.getAttribute('src')
    const runWith = async (inputs: Record<string, unknown>) => {
      const res = await fetch(`${s.server.url}/api/workflows/partial/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs }),
      })
      const body = (await res.json()) as {
        outputs: { code: { url: string }[] }
        issues: { pointer: string }[]
      }
      return { status: res.status, body }
    }
    const same = await runWith({ message: 'hi' })
    expect(same.status).toBe(200)
    expect(same.body.outputs.code[0]?.url).toBe(editorSrc)
    const other = await runWith({ message: 'another text' })
    expect(other.status).toBe(200)
    expect(other.body.outputs.code[0]?.url).toMatch(/^\/api\/artifacts\/[0-9a-f]{64}$/)
    expect(other.body.outputs.code[0]?.url).not.toBe(editorSrc)
    // a wrong value is refused at the param the input feeds
    const wrong = await runWith({ message: 42 })
    expect(wrong.status).toBe(400)
    expect(wrong.body.issues.map((i) => i.pointer)).toContain('/nodes/my-code/params/text')
  })

  it('logged no console errors and opened no browser dialog', () => {
    expect(s.consoleErrors).toEqual([])
  })
})
