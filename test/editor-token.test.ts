/**
 * Issue 12 case 3, the editor's half: on a server started with a token, the editor asks for it
 * once (one prompt for every request refused together), keeps it for the session and sends it.
 * Needs `npm run build -w @sdflow/editor` first.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type StartedServer, startServer } from '@sdflow/server'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './chromium.test-support.js'

const root = new URL('..', import.meta.url).pathname
const TOKEN = 'editor-token-1234'
let dir: string
let server: StartedServer
let context: BrowserContext
let page: Page
const prompts: string[] = []

beforeAll(async () => {
  if (!existsSync(join(root, 'packages/editor/dist/index.html'))) {
    throw new Error('build the editor first: npm run build -w @sdflow/editor')
  }
  dir = await mkdtemp(join(tmpdir(), 'sdflow-editor-token-'))
  server = await startServer({
    host: '0.0.0.0',
    port: 0,
    token: TOKEN,
    logger: false,
    dataDir: join(dir, 'data'),
    workflowsDir: join(dir, 'workflows'),
    runtimeOptions: { backends: 'none', outDir: join(dir, 'out') },
  })
  context = await launchChromium(join(dir, 'chromium'))
  page = context.pages()[0] ?? (await context.newPage())
  page.on('dialog', (dialog) => {
    prompts.push(dialog.message())
    void dialog.accept(TOKEN)
  })
})

afterAll(async () => {
  await context?.close()
  await server?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const paletteEntries = () => page.locator('[data-testid="palette"] button').count()

describe('editor on a server with a token', () => {
  it('asks for the token once, then loads node types with it', async () => {
    await page.goto(`http://127.0.0.1:${new URL(server.url).port}/`)
    await page.locator('[data-testid="palette"]').waitFor()
    await expect.poll(paletteEntries).toBeGreaterThan(5)
    expect(prompts).toHaveLength(1)
    expect(prompts[0]).toMatch(/token/)
  })

  it('keeps it for the session: a reload asks nothing and still loads', async () => {
    await page.reload()
    await page.locator('[data-testid="palette"]').waitFor()
    await expect.poll(paletteEntries).toBeGreaterThan(5)
    expect(prompts).toHaveLength(1)
    const stored = await page.evaluate('sessionStorage.getItem("sdflow.token")')
    expect(stored).toBe(TOKEN)
  })

  it('the history reads runs, follows them live and shows their thumbnails with the token', async () => {
    await page.locator('[data-testid="history-button"]').click()
    await expect
      .poll(() => page.locator('[data-testid="history"]').textContent())
      .toContain('No runs yet')
    const res = await fetch(`http://127.0.0.1:${new URL(server.url).port}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        workflow: {
          format: 'sdflow.workflow/1',
          name: 'code',
          nodes: { qr: { type: 'image.qr-code', params: { text: 'https://example.com' } } },
        },
      }),
    })
    expect(res.status).toBe(202)
    const item = page.locator('[data-testid="history-item"]')
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 20_000 }).toBe('finished')
    const thumb = item.locator('[data-testid="history-thumb"]')
    await expect
      .poll(() => thumb.evaluate((img) => (img as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0)
    expect(prompts).toHaveLength(1)
  })
})
