// Editor benchmarks (not tests), in Chromium against the server: time to load and render a
// generated 200-node workflow, and frame times while panning it. Needs the editor built
// (npm run build -w @sdflow/editor). Run: npm run bench -- editor
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '@sdflow/server'
import { launchChromium } from '../test/chromium.test-support.js'

/** Chains of QR code -> resize -> crop -> save, laid out on a grid: `count` nodes in all. */
export function editorWorkflow(count: number) {
  const chain = ['image.qr-code', 'image.resize', 'image.crop', 'image.save'] as const
  const nodes: Record<string, object> = {}
  for (let i = 0; i < count; i++) {
    const step = i % chain.length
    const row = Math.floor(i / chain.length)
    const type = chain[step] as string
    const params: Record<string, unknown> =
      type === 'image.qr-code'
        ? { text: `node ${i}` }
        : type === 'image.save'
          ? { prefix: `b${row}` }
          : {}
    nodes[`n${i}`] = {
      type,
      params,
      ...(step === 0 ? {} : { inputs: { image: { node: `n${i - 1}`, output: 'image' } } }),
      ui: { x: step * 320, y: row * 260 },
    }
  }
  return { format: 'sdflow.workflow/1', name: `editor-${count}`, nodes }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

export async function benchEditor() {
  const count = 200
  const dir = await mkdtemp(join(tmpdir(), 'sdflow-bench-editor-'))
  const workflows = join(dir, 'workflows')
  mkdirSync(workflows, { recursive: true })
  const doc = editorWorkflow(count)
  const links = Object.values(doc.nodes).filter((n) => 'inputs' in n).length
  writeFileSync(join(workflows, `${doc.name}.json`), JSON.stringify(doc))
  const server = await startServer({
    port: 0,
    logger: false,
    dataDir: join(dir, 'data'),
    workflowsDir: workflows,
    runtimeOptions: { backends: 'none' },
  })
  const context = await launchChromium(join(dir, 'chromium'))
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    // warm the HTTP cache and the JIT once, as a returning user would have it
    await page.goto(server.url)
    await page.locator('[data-testid="palette"]').waitFor()

    const loads: number[] = []
    for (let i = 0; i < 3; i++) {
      const started = Date.now()
      await page.goto(`${server.url}/?workflow=${doc.name}`)
      await page.waitForFunction(
        `document.querySelectorAll('[data-testid="node"]').length === ${count} &&
         document.querySelectorAll('[data-testid="connection"] path').length === ${links}`,
        undefined,
        { polling: 'raf', timeout: 60_000 },
      )
      loads.push(Date.now() - started)
    }

    // frame times while the view is dragged across the canvas
    const box = await page.locator('[data-testid="canvas"]').boundingBox()
    if (!box) throw new Error('no canvas')
    await page.evaluate(`(() => {
      const deltas = []
      let last = performance.now()
      window.__frames = deltas
      window.__framesStop = false
      const tick = (now) => {
        deltas.push(now - last)
        last = now
        if (!window.__framesStop) requestAnimationFrame(tick)
      }
      requestAnimationFrame(tick)
    })()`)
    const y = box.y + 20
    await page.mouse.move(box.x + box.width - 30, y)
    await page.mouse.down()
    for (let pass = 0; pass < 3; pass++) {
      await page.mouse.move(box.x + 30, y + 40, { steps: 60 })
      await page.mouse.move(box.x + box.width - 30, y, { steps: 60 })
    }
    await page.mouse.up()
    const frames = (await page.evaluate(
      '(() => { window.__framesStop = true; return window.__frames.slice(1) })()',
    )) as number[]
    const sorted = [...frames].sort((a, b) => a - b)
    const mean = frames.reduce((a, b) => a + b, 0) / frames.length
    return [
      {
        name: `editor load + render ${count} nodes (median of 3)`,
        value: [...loads].sort((a, b) => a - b)[1] ?? Number.NaN,
        unit: 'ms',
        target: 3000,
      },
      {
        name: `editor pan frame time, mean (${frames.length} frames)`,
        value: mean,
        unit: 'ms',
        target: 33,
      },
      { name: 'editor pan frame time, p95', value: percentile(sorted, 95), unit: 'ms', target: 50 },
    ]
  } finally {
    await context.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
}
