// Growth (issue 16 goal 3): 1,000 / 10,000 / 100,000-node layered workflows through validate,
// plan and engine.run (file cache, events counted), each size in its own child process so its
// peak RSS is its own. Per node: wall and CPU time, and peak RSS above the process's RSS
// before the workflow was built. The slope is that of log(cost) against log(nodes) between
// the smallest and the largest size: 1 is linear, 2 quadratic. Run: npm run bench -- growth
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

interface Phase {
  wallMs: number
  cpuMs: number
}
interface Measured {
  count: number
  events: number
  validate: Phase
  plan: Phase
  run: Phase
  baseKiB: number
  peakKiB: number
}

export const growthSizes = [1_000, 10_000, 100_000]

function measure(count: number): Measured {
  const child = join(import.meta.dirname, 'engine-growth-child.ts')
  const out = execFileSync(process.execPath, [...process.execArgv, child, String(count)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Measured
}

const slope = (small: number, large: number, from: Measured, to: Measured) =>
  Math.log(large / small) / Math.log(to.count / from.count)

export async function benchGrowth() {
  const sizes = growthSizes.map(measure)
  const figures = []
  for (const m of sizes) {
    const µs = (ms: number) => (ms * 1000) / m.count
    const n = m.count.toLocaleString('en-US')
    console.log(
      `[growth] ${n} nodes: validate ${µs(m.validate.wallMs).toFixed(1)} µs/node (CPU ${µs(m.validate.cpuMs).toFixed(1)}), plan ${µs(m.plan.wallMs).toFixed(1)} (CPU ${µs(m.plan.cpuMs).toFixed(1)}), run ${µs(m.run.wallMs).toFixed(1)} (CPU ${µs(m.run.cpuMs).toFixed(1)}), ${m.events} events, peak RSS ${(m.peakKiB / 1024).toFixed(0)} MiB (${((m.peakKiB - m.baseKiB) / m.count).toFixed(2)} KiB/node above ${(m.baseKiB / 1024).toFixed(0)} MiB)`,
    )
    figures.push({
      name: `validate + plan + run per node, CPU, ${n} nodes`,
      value: µs(m.validate.cpuMs + m.plan.cpuMs + m.run.cpuMs),
      unit: 'µs',
      target: Infinity,
    })
    figures.push({
      name: `peak RSS per node, ${n} nodes`,
      value: (m.peakKiB - m.baseKiB) / m.count,
      unit: 'KiB',
      target: Infinity,
    })
  }
  const first = sizes[0] as Measured
  const last = sizes.at(-1) as Measured
  const cpu = (m: Measured) => m.validate.cpuMs + m.plan.cpuMs + m.run.cpuMs
  figures.push(
    {
      name: 'slope of CPU time, 1,000 -> 100,000 nodes',
      value: slope(cpu(first), cpu(last), first, last),
      unit: '',
      target: 1.1,
    },
    {
      name: 'slope of wall time (validate + plan + run), 1,000 -> 100,000 nodes',
      value: slope(
        first.validate.wallMs + first.plan.wallMs + first.run.wallMs,
        last.validate.wallMs + last.plan.wallMs + last.run.wallMs,
        first,
        last,
      ),
      unit: '',
      target: 1.1,
    },
    {
      name: 'slope of peak RSS above the start, 1,000 -> 100,000 nodes',
      value: slope(first.peakKiB - first.baseKiB, last.peakKiB - last.baseKiB, first, last),
      unit: '',
      target: 1.1,
    },
  )
  return figures
}
