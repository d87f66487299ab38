/**
 * The editor in a real Chromium against the server with its embedded A1111 emulator, for the
 * browser tests. Needs `npm run build -w @sdflow/editor` first (the root `npm test` does it).
 */
import { existsSync, mkdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ServerOptions, type StartedServer, startServer } from '@sdflow/server'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromium } from './chromium.test-support.js'

export const root = new URL('..', import.meta.url).pathname

export interface EditorSession {
  dir: string
  server: StartedServer
  context: BrowserContext
  page: Page
  /** Errors the page logged (a status in `expected` is one the test provoked). */
  consoleErrors: string[]
  expected: { status: number | undefined }
  node(id: string): ReturnType<Page['locator']>
  shot(name: string): Promise<Buffer>
  dragSocket(from: string, to: string): Promise<void>
  /** Drop a file on the canvas as a user would from the desktop. */
  dropFile(name: string, mime: string, bytes: Buffer): Promise<void>
  close(): Promise<void>
}

export const output = (id: string, key: string) =>
  `[data-node-id="${id}"] [data-testid="output-${key}"] .sd-socket`
export const input = (id: string, key: string) =>
  `[data-node-id="${id}"] [data-testid="input-${key}"] .sd-socket`

export async function openEditor(
  shotsDir: string,
  options: Partial<ServerOptions> = {},
): Promise<EditorSession> {
  if (!existsSync(join(root, 'packages/editor/dist/index.html'))) {
    throw new Error('build the editor first: npm run build -w @sdflow/editor')
  }
  const shots = join(root, 'test-results', shotsDir)
  mkdirSync(shots, { recursive: true })
  const dir = await mkdtemp(join(tmpdir(), 'sdflow-editor-'))
  const server = await startServer({
    port: 0,
    logger: false,
    dataDir: join(dir, 'data'),
    workflowsDir: join(dir, 'workflows'),
    examplesDir: false,
    runtimeOptions: {
      backends: 'auto',
      emulatorStepMs: 60,
      outDir: join(dir, 'out'),
      inDir: join(dir, 'in'),
    },
    ...options,
  })
  // a fresh profile (--user-data-dir) per run
  const context = await launchChromium(join(dir, 'chromium'))
  const page = context.pages()[0] ?? (await context.newPage())
  const consoleErrors: string[] = []
  const expected: { status: number | undefined } = { status: undefined }
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    const text = message.text()
    if (expected.status && text.includes(`status of ${expected.status}`)) return
    consoleErrors.push(text)
  })
  page.on('pageerror', (error) => consoleErrors.push(error.message))
  // the editor asks in the page itself: a browser dialog is a bug
  page.on('dialog', (dialog) => {
    consoleErrors.push(`browser dialog: ${dialog.message()}`)
    void dialog.dismiss()
  })
  await page.goto(server.url)
  await page.locator('[data-testid="palette"]').waitFor()

  const session: EditorSession = {
    dir,
    server,
    context,
    page,
    consoleErrors,
    expected,
    node: (id) => page.locator(`[data-testid="node"][data-node-id="${id}"]`),
    shot: (name) => page.screenshot({ path: join(shots, `${name}.png`) }),
    async dragSocket(from, to) {
      const a = await page.locator(from).boundingBox()
      const b = await page.locator(to).boundingBox()
      if (!a || !b) throw new Error(`socket not visible: ${a ? to : from}`)
      await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
      await page.mouse.down()
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 })
      await page.mouse.up()
    },
    async dropFile(name, mime, bytes) {
      const script = `(() => {
        const bytes = Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0))
        const data = new DataTransfer()
        data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: ${JSON.stringify(mime)} }))
        const canvas = document.querySelector('[data-testid="canvas"]')
        for (const type of ['dragenter', 'dragover', 'drop']) {
          canvas.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }))
        }
      })()`
      await page.evaluate(script)
    },
    async close() {
      await context.close()
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return session
}
