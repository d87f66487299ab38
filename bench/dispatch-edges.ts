// Where the dispatch bench's backends idle (a profile, not a figure with a target): for each
// round of the thread-per-backend client and of sdflow, each backend's idle time before its
// first job (head) and after its last (tail), from the emulators' lock records, and the CPU
// time of this process (sdflow's engine, pool and store, or the client) over the round.
// Run: node --conditions=source --import tsx bench/dispatch-edges.ts   (ROUNDS=N, default 3)
import { startEmulator } from './backends.js'
import { sdflow, threadPerBackend } from './dispatch.js'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const now = () => performance.timeOrigin + performance.now()

interface Span {
  start: number
  end: number
}

async function spans(url: string, start: number, end: number): Promise<Span[]> {
  const stats = (await (await fetch(`${url}/emulator/stats`)).json()) as { busy: Span[] }
  return stats.busy
    .filter((s) => s.start >= start && s.end <= end)
    .sort((a, b) => a.start - b.start)
}

async function round(name: string, urls: string[], drive: () => Promise<void>) {
  const cpu = process.cpuUsage()
  const start = now()
  await drive()
  const end = now()
  const used = process.cpuUsage(cpu)
  const per = await Promise.all(urls.map((url) => spans(url, start, end)))
  const busy = per.flat().reduce((sum, s) => sum + s.end - s.start, 0)
  const edges = per.map(
    (s) =>
      `${s.length} jobs, head ${((s[0]?.start ?? end) - start).toFixed(0)}, tail ${(end - (s.at(-1)?.end ?? start)).toFixed(0)} ms`,
  )
  console.log(
    `[dispatch-edges] ${name}: makespan ${(end - start).toFixed(0)} ms, busy / 4 ${(busy / urls.length).toFixed(0)} ms, CPU ${((used.user + used.system) / 1000).toFixed(0)} ms | ${edges.join(' | ')}`,
  )
}

const emulators = await Promise.all([0, 1, 2, 3].map(() => startEmulator(20)))
try {
  const urls = emulators.map((e) => e.url)
  await threadPerBackend(urls, 99)
  await (await sdflow(urls, 98))()
  for (let r = 0; r < ROUNDS; r++) {
    await round('client', urls, () => threadPerBackend(urls, r))
    await round('sdflow', urls, await sdflow(urls, r))
  }
} finally {
  for (const e of emulators) e.child.kill('SIGTERM')
}
