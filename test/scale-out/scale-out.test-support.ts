// What the scale-out tests share: submit, follow, read a run, count requests.
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import type { RunEvent } from '@sdflow/protocol'
import {
  Observer,
  type RunView,
  waitFor,
  wsUrl,
} from '../../packages/server/src/server.test-support.js'

export { Observer, type RunView, waitFor, wsUrl }

export const TERMINAL = ['run.finished', 'run.failed', 'run.cancelled']

export async function submit(
  server: string,
  workflow: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server}/api/runs`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ workflow }),
  })
}

export async function submitted(server: string, workflow: unknown): Promise<string> {
  const res = await submit(server, workflow)
  if (res.status !== 202) throw new Error(`POST /api/runs: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { runId: string }).runId
}

export async function getRun(server: string, runId: string): Promise<RunView> {
  return (await (await fetch(`${server}/api/runs/${runId}`)).json()) as RunView
}

/** Poll the run until it ends (survives the server going away and coming back). */
export function ended(server: () => string, runId: string, timeoutMs = 90_000): Promise<RunView> {
  return waitFor(
    async () => {
      try {
        const run = await getRun(server(), runId)
        return ['finished', 'failed', 'cancelled'].includes(run.status) ? run : undefined
      } catch {
        return undefined
      }
    },
    `run ${runId} to end`,
    timeoutMs,
  )
}

/** Every stored event of a run, replayed over the WebSocket. */
export async function eventsOf(server: string, runId: string): Promise<RunEvent[]> {
  const observer = Observer.connect(wsUrl(server, `/api/events?runId=${runId}`))
  try {
    await observer.until('the end of the run', (f) => TERMINAL.includes(f.type), 30_000)
    return observer.events.map(({ cursor: _, ...e }) => e as RunEvent)
  } finally {
    await observer.close()
  }
}

export const txt2imgRequests = (emulators: readonly RunningEmulator[]) =>
  emulators.reduce((n, e) => n + (e.stats().requests['/sdapi/v1/txt2img'] ?? 0), 0)

/** One slow txt2img (fixed seed) feeding an upscale, saved. */
export function slowWorkflow(steps: number, seed = 5): Record<string, unknown> {
  return {
    format: 'sdflow.workflow/1',
    name: 'slow',
    outputs: { image: { node: 'up', output: 'image' } },
    nodes: {
      gen: {
        type: 'sd.txt2img',
        params: { prompt: 'a slow tower', steps, seed, width: 64, height: 64 },
      },
      up: {
        type: 'sd.upscale',
        params: { upscaler_1: 'Lanczos', upscaling_resize: 2 },
        inputs: { image: { node: 'gen', output: 'image' } },
      },
    },
  }
}

/** The name of the worker running `jobId`, from GET /api/workers. */
export function workerRunning(server: string, jobId: string): Promise<string> {
  return waitFor(
    async () => {
      const workers = (await (await fetch(`${server}/api/workers`)).json()) as {
        name: string
        jobs: string[]
      }[]
      return workers.find((w) => w.jobs.includes(jobId))?.name
    },
    `a worker to run ${jobId}`,
    30_000,
  )
}

export const count = (events: readonly RunEvent[], type: string, nodeId?: string) =>
  events.filter(
    (e) => e.type === type && (nodeId === undefined || ('nodeId' in e && e.nodeId === nodeId)),
  ).length
