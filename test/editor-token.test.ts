/**
 * Issue 12 case 3, the editor's half: on a server started with a token, the editor asks for it
 * in the page (never a browser dialog), once for every request refused together, asks again
 * when the server refuses what was typed, keeps it for the session and sends it, and never shows
 * it in the address bar or a log. Needs `npm run build -w @sdflow/editor` first.
 */
import { existsSync, mkdirSync } from 'node:fs'
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
/** Browser dialogs (each one a bug), console lines and server log lines. */
const dialogs: string[] = []
const consoleLines: string[] = []
const serverLog: string[] = []

beforeAll(async () => {
  if (!existsSync(join(root, 'packages/editor/dist/index.html'))) {
    throw new Error('build the editor first: npm run build -w @sdflow/editor')
  }
  dir = await mkdtemp(join(tmpdir(), 'sdflow-editor-token-'))
  server = await startServer({
    host: '0.0.0.0',
    port: 0,
    token: TOKEN,
    logger: { level: 'info', stream: { write: (line: string) => serverLog.push(line) } },
    dataDir: join(dir, 'data'),
    workflowsDir: join(dir, 'workflows'),
    runtimeOptions: { backends: 'none', outDir: join(dir, 'out') },
  })
  context = await launchChromium(join(dir, 'chromium'))
  page = context.pages()[0] ?? (await context.newPage())
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  page.on('console', (message) => consoleLines.push(message.text()))
  await page.addInitScript(`
    window.tokenQuestions = 0
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const added of change.addedNodes) {
          if (added.nodeType === 1 && added.matches('[data-testid="token-dialog"], :has([data-testid="token-dialog"])')) window.tokenQuestions++
        }
      }
    }).observe(document, { childList: true, subtree: true })
  `)
})

afterAll(async () => {
  await context?.close()
  await server?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const paletteEntries = () => page.locator('[data-testid="palette"] button').count()
const tokenDialog = () => page.locator('[data-testid="token-dialog"]')
/** How many questions the page showed since it loaded (each one mounts a new dialog). */
const asked = () => page.evaluate('window.tokenQuestions')

describe('editor on a server with a token', () => {
  it('asks in the page; a wrong token is refused and asked again with why', async () => {
    await page.goto(`http://127.0.0.1:${new URL(server.url).port}/`)
    await tokenDialog().waitFor()
    // the node types and the backends were refused together: one question
    await expect(asked()).resolves.toBe(1)
    await expect(tokenDialog().textContent()).resolves.toMatch(/token/)
    expect(await tokenDialog().locator('[data-testid="token-refused"]').count()).toBe(0)
    // typed, it is masked
    await expect(
      tokenDialog().locator('[data-testid="token-input"]').getAttribute('type'),
    ).resolves.toBe('password')
    await tokenDialog().locator('[data-testid="token-input"]').fill('not-the-token')
    await tokenDialog().locator('[data-testid="token-submit"]').click()
    // asked again, saying the server refused it, the field empty for the next try
    await tokenDialog().locator('[data-testid="token-refused"]').waitFor()
    await expect(asked()).resolves.toBe(2)
    mkdirSync(join(root, 'test-results', 'editor-token'), { recursive: true })
    await page.screenshot({ path: join(root, 'test-results', 'editor-token', '1-refused.png') })
    await expect(tokenDialog().locator('[data-testid="token-input"]').inputValue()).resolves.toBe(
      '',
    )
    await expect(page.locator('[data-testid="palette"]').count()).resolves.toBe(0)
    await expect(page.evaluate('sessionStorage.getItem("sdflow.token")')).resolves.toBeNull()
  })

  it('the right token closes the question and loads node types with it', async () => {
    await tokenDialog().locator('[data-testid="token-input"]').fill(TOKEN)
    await tokenDialog().locator('[data-testid="token-input"]').press('Enter')
    await page.locator('[data-testid="palette"]').waitFor()
    await expect.poll(paletteEntries).toBeGreaterThan(5)
    await expect.poll(() => tokenDialog().count()).toBe(0)
    await expect(asked()).resolves.toBe(2)
  })

  it('keeps it for the session: a reload asks nothing and still loads', async () => {
    await page.reload()
    await page.locator('[data-testid="palette"]').waitFor()
    await expect.poll(paletteEntries).toBeGreaterThan(5)
    await expect(tokenDialog().count()).resolves.toBe(0)
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
    await expect(tokenDialog().count()).resolves.toBe(0)
  })

  it('never opened a browser dialog, nor showed the token in the URL or a log', () => {
    expect(dialogs).toEqual([])
    expect(page.url()).not.toContain(TOKEN)
    expect(consoleLines.filter((line) => line.includes(TOKEN))).toEqual([])
    expect(serverLog.length).toBeGreaterThan(0)
    expect(serverLog.filter((line) => line.includes(TOKEN))).toEqual([])
  })
})
