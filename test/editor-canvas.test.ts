/**
 * The editor's canvas and forms, in a real Chromium: box selection, Arrange, seed modes, catalog
 * selects and the estimate in the run panel (issue 13 §3 and §5, issue 10). Needs
 * `npm run build -w @sdflow/editor` first.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, openEditor, root } from './editor.test-support.js'

let s: EditorSession
let page: Page
const nodes = () => page.locator('[data-testid="node"]')

beforeAll(async () => {
  s = await openEditor('editor-canvas', { examplesDir: join(root, 'workflows') })
  page = s.page
})

afterAll(async () => {
  await s?.close()
})

/** Open a shipped example as it is on disk (the draft of earlier edits dropped). */
async function open(name: string) {
  await page.evaluate(() => localStorage.clear())
  await page.goto(`${s.server.url}/?workflow=${name}`)
  await page.locator('[data-testid="palette"]').waitFor()
  await expect.poll(() => page.locator('[data-testid="doc-title"]').textContent()).toContain(name)
  await expect.poll(() => nodes().count()).toBeGreaterThan(0)
}

/** The label of the option each select of a node (or the inspector) shows. */
const shownOptions = (scope: string) =>
  page
    .locator(`${scope} select`)
    .evaluateAll((els) =>
      els.map((e) => (e as HTMLSelectElement).selectedOptions[0]?.textContent ?? ''),
    )

describe('honest catalog selects', () => {
  it('the flagship example shows every name as its catalog entry, none "(not in catalog)"', async () => {
    await open('qr-illusion')
    await expect
      .poll(() => shownOptions('[data-node-id="monster"]'))
      .toContain('control_v1p_sd15_qrcode_monster [a6e58995]')
    await s.node('gen').locator('.sd-node-title').click()
    const inspector = '[data-testid="inspector"]'
    await expect
      .poll(() =>
        page.locator(`${inspector} [data-param="scheduler"] select`).evaluate((e) => {
          const select = e as HTMLSelectElement
          return select.selectedOptions[0]?.textContent
        }),
      )
      .toBe('karras')
    await s.shot('1-flagship-catalog')
    const everywhere = await page.locator('select option').allTextContents()
    expect(everywhere.filter((t) => t.includes('not in catalog'))).toEqual([])
  })

  it('an unset required select offers "choose…"; picking any option sets the param', async () => {
    await page.locator('[data-testid="palette"] [data-type="sd.controlnet-unit"]').click()
    const node = page.locator('[data-testid="node"][data-node-type="sd.controlnet-unit"]').last()
    const select = node.locator('[data-param="model"] select')
    await expect.poll(() => select.inputValue()).toBe('')
    await expect(
      select.evaluate((e) => (e as HTMLSelectElement).selectedOptions[0]?.textContent),
    ).resolves.toBe('choose…')
    const first = await select.locator('option').nth(1).getAttribute('value')
    expect(first).toBeTruthy()
    await select.selectOption(first ?? '')
    await expect.poll(() => select.inputValue()).toBe(first)
    // the required issue goes once the server validated the change
    await expect
      .poll(() => node.locator('[data-param="model"] .issue').count(), { timeout: 10_000 })
      .toBe(0)
  })
})

type Box = { x: number; y: number; width: number; height: number }
const boxOf = async (id: string): Promise<Box> => {
  const box = await s.node(id).boundingBox()
  if (!box) throw new Error(`node ${id} not visible`)
  return box
}
const selectedIds = () =>
  page
    .locator('[data-testid="node"].selected')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')).sort())

/** Pairs of node elements whose boxes on screen overlap. */
const overlaps = async () => {
  const boxes = await nodes().evaluateAll((els) =>
    els.map((e) => ({ id: e.getAttribute('data-node-id'), r: e.getBoundingClientRect().toJSON() })),
  )
  const pairs: string[] = []
  boxes.forEach((a, i) => {
    for (const b of boxes.slice(i + 1)) {
      const apart =
        a.r.right <= b.r.left ||
        b.r.right <= a.r.left ||
        a.r.bottom <= b.r.top ||
        b.r.bottom <= a.r.top
      if (!apart) pairs.push(`${a.id}/${b.id}`)
    }
  })
  return pairs
}

describe('Arrange', () => {
  const shipped = readdirSync(join(root, 'workflows'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))

  it.each(shipped)(
    'example %s opens without overlapping nodes, and so after Arrange',
    async (name) => {
      await open(name)
      await page.waitForTimeout(300) // let the fit and any arranging settle before measuring
      expect(await overlaps()).toEqual([])
      await page.locator('[data-testid="arrange-button"]').click()
      await expect
        .poll(() => page.locator('[data-testid="canvas"]').getAttribute('data-busy'))
        .toBe(null)
      await page.waitForTimeout(300)
      expect(await overlaps()).toEqual([])
      if (name === 'qr-illusion-refine') await s.shot('4-arranged')
    },
  )

  it('lays unlinked nodes out in a grid, none on another', async () => {
    await page.locator('[data-testid="palette"] [data-type="sd.txt2img"]').click()
    for (let i = 0; i < 4; i++)
      await page.locator('[data-testid="palette"] [data-type="image.qr-code"]').click()
    await page.locator('[data-testid="arrange-button"]').click()
    await page.waitForTimeout(300)
    expect(await overlaps()).toEqual([])
    await s.shot('5-arranged-grid')
  })
})

describe('box selection', () => {
  it('Ctrl+drag on empty canvas selects the nodes in the box; they move, copy, bypass and delete together', async () => {
    await open('qr-code')
    await expect.poll(() => nodes().count()).toBe(3)
    const [qr, resize, save] = await Promise.all(['qr', 'resize', 'save'].map(boxOf))
    if (!qr || !resize || !save) throw new Error('no nodes')
    const from = { x: qr.x - 15, y: Math.min(qr.y, resize.y) - 25 }
    const to = {
      x: (resize.x + resize.width + save.x) / 2,
      y: Math.max(qr.y + qr.height, resize.y + resize.height) + 15,
    }
    await page.keyboard.down('Control')
    await page.mouse.move(from.x, from.y)
    await page.mouse.down()
    await page.mouse.move(to.x, to.y, { steps: 8 })
    await expect(page.locator('[data-testid="box-select"]').count()).resolves.toBe(1)
    await s.shot('2-box-selection')
    await page.mouse.up()
    await page.keyboard.up('Control')
    await expect.poll(selectedIds).toEqual(['qr', 'resize'])
    await expect(page.locator('[data-testid="box-select"]').count()).resolves.toBe(0)

    // dragging one of them moves both; the canvas did not pan meanwhile
    expect(await boxOf('save')).toEqual(save)
    const title = await s.node('qr').locator('.sd-node-title').boundingBox()
    if (!title) throw new Error('no title')
    await page.mouse.move(title.x + 30, title.y + title.height / 2)
    await page.mouse.down()
    await page.mouse.move(title.x + 30 + 60, title.y + title.height / 2 + 80, { steps: 8 })
    await page.mouse.up()
    await expect.poll(selectedIds).toEqual(['qr', 'resize'])
    const [qr2, resize2, save2] = await Promise.all(['qr', 'resize', 'save'].map(boxOf))
    expect(Math.round((qr2?.x ?? 0) - qr.x)).toBe(60)
    expect(Math.round((qr2?.y ?? 0) - qr.y)).toBe(80)
    expect(Math.round((resize2?.x ?? 0) - resize.x)).toBe(60)
    expect(Math.round((resize2?.y ?? 0) - resize.y)).toBe(80)
    expect(save2).toEqual(save)

    await page.keyboard.press('Control+c')
    await expect
      .poll(() => page.locator('[data-testid="status"]').textContent())
      .toContain('Copied 2 nodes')
    await page.keyboard.press('Control+b')
    await expect
      .poll(() =>
        page
          .locator('[data-testid="node"][data-bypassed="true"]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')).sort()),
      )
      .toEqual(['qr', 'resize'])
    await page.keyboard.press('Delete')
    await expect
      .poll(() => nodes().evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id'))))
      .toEqual(['save'])
  })
})

describe('the run panel', () => {
  it('shows the estimate before running: images to generate, and "no history yet" per backend kind', async () => {
    await open('qr-illusion')
    const panel = page.locator('[data-testid="run-estimate"]')
    await expect
      .poll(() => panel.locator('[data-testid="estimate-images"]').textContent())
      .toBe('images to generate: 1')
    await expect(panel.locator('[data-testid="estimate-kind"]').allTextContents()).resolves.toEqual(
      ['a1111: no history yet'],
    )
    // follows the canvas: a batch of 4 is 4 images
    await s.node('gen').locator('.sd-node-title').click()
    await page.locator('[data-testid="inspector"] [data-param="batch_size"] input').fill('4')
    await expect
      .poll(() => panel.locator('[data-testid="estimate-images"]').textContent())
      .toBe('images to generate: 4')
    await s.shot('3-estimate')
  })
})

describe('the page', () => {
  it('logged no console errors and opened no browser dialog', () => {
    expect(s.consoleErrors).toEqual([])
  })
})
