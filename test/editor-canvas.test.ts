/**
 * The editor's canvas and forms, in a real Chromium: box selection, Arrange, seed modes, catalog
 * selects and the estimate in the run panel (issue 13 §3 and §5, issue 10). Needs
 * `npm run build -w @sdflow/editor` first.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, openEditor, root } from './editor.test-support.js'

let s: EditorSession
let page: Page
const nodes = () => page.locator('[data-testid="node"]')

beforeAll(async () => {
  s = await openEditor('editor-canvas', { examplesDir: join(root, 'workflows') })
  page = s.page
  await page.addInitScript("if (location.hash === '#fresh') localStorage.clear()")
})

afterAll(async () => {
  await s?.close()
})

/** Load the editor with no draft of earlier edits (the old page gone first, with its timers). */
async function fresh(path: string) {
  await page.goto('about:blank')
  await page.goto(`${s.server.url}${path}#fresh`)
}

/** Open a shipped example as it is on disk. */
async function open(name: string) {
  await fresh(`/?workflow=${name}`)
  await page.locator('[data-testid="palette"]').waitFor()
  await expect.poll(() => page.locator('[data-testid="doc-title"]').textContent()).toContain(name)
  await expect.poll(() => nodes().count()).toBeGreaterThan(0)
}

/** The label of the option a select shows (runs in the page). */
const labelOf = (e: unknown) =>
  (e as { selectedOptions: ArrayLike<{ textContent: string | null }> }).selectedOptions[0]
    ?.textContent ?? ''

/** The label of the option each select of a node (or the inspector) shows. */
const shownOptions = (scope: string) =>
  page
    .locator(`${scope} select`)
    .evaluateAll((els) =>
      els.map(
        (e) =>
          (e as unknown as { selectedOptions: ArrayLike<{ textContent: string | null }> })
            .selectedOptions[0]?.textContent ?? '',
      ),
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
      .poll(() => page.locator(`${inspector} [data-param="scheduler"] select`).evaluate(labelOf))
      .toBe('karras')
    await s.shot('1-flagship-catalog')
    const everywhere = await page.locator('select option').allTextContents()
    expect(everywhere.filter((t) => t.includes('not in catalog'))).toEqual([])
  })

  it('an unset required select offers "choose..."; picking any option sets the param', async () => {
    await page.locator('[data-testid="palette"] [data-type="sd.controlnet-unit"]').click()
    const node = page.locator('[data-testid="node"][data-node-type="sd.controlnet-unit"]').last()
    const select = node.locator('[data-param="model"] select')
    await expect.poll(() => select.inputValue()).toBe('')
    await expect(select.evaluate(labelOf)).resolves.toBe('choose...')
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

describe('seed modes', () => {
  const seedInput = () => page.locator('[data-testid="inspector"] [data-param="seed"] input')
  // the run log's header names the run: a new id, then finished (the last run's phase is
  // still "finished" when Run is pressed)
  const runId = () => page.locator('[data-testid="run-log"] header > span.muted').first()
  const runToEnd = async () => {
    const before = (await runId().count()) > 0 ? await runId().textContent() : null
    await page.locator('[data-testid="run-button"]').click()
    await expect
      .poll(
        async () =>
          (await runId().textContent()) !== before &&
          (await page.locator('[data-testid="run-phase"]').textContent()) === 'finished',
        { timeout: 20_000 },
      )
      .toBe(true)
  }

  it('a generation node records its seed mode, moves the seed after a run, shows the seed used and copies it back', async () => {
    await fresh('/')
    await page.locator('[data-testid="palette"] [data-type="sd.txt2img"]').click()
    const gen = s.node('txt2img')
    const mode = gen.locator('[data-testid="seed-mode"]')
    await expect(mode.inputValue()).resolves.toBe('fixed')
    await expect(gen.locator('[data-testid="seed-used"]').count()).resolves.toBe(0)
    await gen.locator('.sd-node-title').click()
    await page.locator('[data-testid="inspector"] [data-param="steps"] input').fill('2')
    await seedInput().fill('100')
    await mode.selectOption('increment')

    // the document records it, in the node's editor state, and stays valid for the format
    await page.locator('[data-testid="save-as-button"]').click()
    await page.locator('[data-testid="save-as-name"]').fill('seeded')
    await page.locator('[data-testid="save-as-submit"]').click()
    await expect
      .poll(() => page.locator('[data-testid="status"]').textContent())
      .toContain('Saved seeded')
    const saved = JSON.parse(readFileSync(join(s.dir, 'workflows', 'seeded.json'), 'utf8'))
    expect(saved.nodes.txt2img.ui.seedMode).toBe('increment')
    expect(saved.nodes.txt2img.params.seed).toBe(100)
    const schema = JSON.parse(readFileSync(join(root, 'docs/workflow.schema.json'), 'utf8'))
    const check = new Ajv2020({ strict: false }).compile(schema)
    expect(check(saved), JSON.stringify(check.errors)).toBe(true)

    // the run used 100; the next one gets 101
    await runToEnd()
    await expect.poll(() => seedInput().inputValue()).toBe('101')
    await expect.poll(() => gen.locator('[data-testid="seed-used"]').textContent()).toBe('100')
    await s.shot('6-seed-used')
    await gen.locator('[data-testid="seed-copy"]').click()
    await expect.poll(() => seedInput().inputValue()).toBe('100')

    // randomize: a new seed in range after the run; fixed: left alone
    await mode.selectOption('randomize')
    await runToEnd()
    await expect.poll(() => seedInput().inputValue()).not.toBe('100')
    const drawn = Number(await seedInput().inputValue())
    expect(drawn).toBeGreaterThanOrEqual(0)
    expect(drawn).toBeLessThanOrEqual(4294967294)
    await mode.selectOption('fixed')
    await runToEnd()
    await expect
      .poll(() => gen.locator('[data-testid="seed-used"]').textContent())
      .toBe(String(drawn))
    await expect(seedInput().inputValue()).resolves.toBe(String(drawn))
    // the server learnt the seconds per step from these runs: the estimate has them now
    await expect
      .poll(() => page.locator('[data-testid="estimate-kind"]').allTextContents())
      .toEqual([expect.stringMatching(/^a1111: \d+\.\d s GPU$/)])
  })
})

describe('the page', () => {
  it('logged no console errors and opened no browser dialog', () => {
    expect(s.consoleErrors, s.consoleErrors.join('\n')).toEqual([])
  })
})
