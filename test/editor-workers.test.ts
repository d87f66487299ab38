/**
 * The backends view on a coordinator (`--redis`, issue 15): each live `sdflow worker` with its
 * backends, jobs in flight and last heartbeat, and the RunPod endpoint the worker holds with
 * its workers, in a real Chromium; neither the key nor the Redis password shows.
 * Needs `npm run build -w @sdflow/editor` first and /usr/bin/redis-server.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type RunningRunpodEmulator, startRunpodEmulator } from '@sdflow/a1111-emulator'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EditorSession, openEditor } from './editor.test-support.js'
import {
  killAll,
  type RedisServer,
  startRedis,
  startWorkerProcess,
  tempDir,
} from './scale-out/cluster.test-support.js'

const KEY = 'rp-worker-secret-key-4567'
const PASSWORD = 'redis-secret-pass-89'
let redis: RedisServer
let endpoint: RunningRunpodEmulator
let s: EditorSession
let page: Page
let dir: Awaited<ReturnType<typeof tempDir>>

beforeAll(async () => {
  dir = await tempDir()
  redis = await startRedis({ password: PASSWORD })
  endpoint = await startRunpodEmulator({ apiKey: KEY, stepMs: 40, workers: 2 })
  s = await openEditor('editor-workers', {
    runtimeOptions: { redisUrl: redis.url, outDir: join(dir.path, 'out') },
  })
  page = s.page
  const config = join(dir.path, 'worker.json')
  await writeFile(
    config,
    JSON.stringify({
      backends: [{ id: 'rp', type: 'runpod', worker: 'a1111', url: endpoint.url, apiKey: KEY }],
    }),
  )
  await startWorkerProcess([
    '--redis',
    redis.url,
    '--server',
    s.server.url,
    '--name',
    'w1',
    '--config',
    config,
  ])
}, 120_000)

afterAll(async () => {
  await s?.close()
  await killAll()
  await endpoint?.close()
  await redis?.close()
  await dir?.remove()
})

describe('the backends view on a coordinator', () => {
  it('lists each scale-out worker (name, backends, jobs in flight, heartbeat) and the backends it holds', async () => {
    await page.locator('[data-testid="backends-button"]').click()
    const worker = page.locator('[data-testid="worker-item"][data-worker="w1"]')
    await worker.waitFor({ timeout: 20_000 })
    await expect(worker.locator('[data-testid="worker-backends"]').textContent()).resolves.toBe(
      'backends: rp',
    )
    await expect(worker.locator('[data-testid="worker-jobs"]').textContent()).resolves.toMatch(
      /^jobs in flight: 0\/\d+$/,
    )
    await expect(worker.locator('[data-testid="worker-heartbeat"]').textContent()).resolves.toMatch(
      /^heartbeat \d+ s ago$/,
    )
    const rp = page.locator('[data-testid="backend-item"][data-backend-id="rp"]')
    await expect(rp.locator('[data-testid="backend-kind"]').textContent()).resolves.toContain(
      'runpod',
    )
    await expect
      .poll(() => rp.locator('[data-testid="backend-workers"]').textContent(), {
        timeout: 20_000,
      })
      .toMatch(/^workers: \d+ idle, \d+ running, \d+ initializing$/)
    await s.shot('1-workers')
    const html = await page.content()
    expect(html).not.toContain(KEY)
    expect(html).not.toContain(PASSWORD)
    expect(s.consoleErrors, s.consoleErrors.join('\n')).toEqual([])
  })
})
