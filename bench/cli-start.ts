// Start-up of the sdflow command: whole-process wall time of `sdflow validate` and `sdflow nodes`
// (the bundle, as bin/sdflow.js runs it), beside `node -e ''` (the floor any Node CLI pays) and
// the tsc output (SDFLOW_NO_BUNDLE=1, how the CLI started before the bundle), measured
// interleaved in the same run. Needs `npm run build` (tsc -b and the bundle).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = 'packages/cli/bin/sdflow.js'
const RUNS = Number(process.env.RUNS ?? 9)

type Case = { name: string; args: string[]; env?: Record<string, string> }
const cases: Case[] = [
  { name: "node -e ''", args: ['-e', ''] },
  { name: 'sdflow validate (bundle)', args: [bin, 'validate', 'workflows/qr-code.json'] },
  { name: 'sdflow nodes (bundle)', args: [bin, 'nodes'] },
  {
    name: 'sdflow validate (tsc output)',
    args: [bin, 'validate', 'workflows/qr-code.json'],
    env: { SDFLOW_NO_BUNDLE: '1' },
  },
  { name: 'sdflow nodes (tsc output)', args: [bin, 'nodes'], env: { SDFLOW_NO_BUNDLE: '1' } },
]

// GNU time adds the child's CPU seconds, which a loaded machine inflates less than wall time
const gnuTime = existsSync('/usr/bin/time')

function once(c: Case): { wall: number; cpu: number } {
  const began = process.hrtime.bigint()
  const [command, args] = gnuTime
    ? ['/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...c.args]]
    : [process.execPath, c.args]
  const ran = spawnSync(command, args, {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...c.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const wall = Number(process.hrtime.bigint() - began) / 1e6
  if (ran.status !== 0) throw new Error(`${c.name} exited ${ran.status}: ${ran.stderr}`)
  const used = /cpu ([\d.]+) ([\d.]+)/.exec(String(ran.stderr))
  const cpu = used ? (Number(used[1]) + Number(used[2])) * 1000 : Number.NaN
  return { wall, cpu }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

export async function benchCliStart() {
  if (!existsSync(`${root}/packages/cli/bundle/main.js`)) {
    throw new Error('no CLI bundle: run `npm run build` first')
  }
  const times = new Map(cases.map((c) => [c.name, [] as number[]]))
  const cpus = new Map(cases.map((c) => [c.name, [] as number[]]))
  once(cases[1] as Case) // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const c of cases) {
      const { wall, cpu } = once(c)
      times.get(c.name)?.push(wall)
      cpus.get(c.name)?.push(cpu)
    }
  }
  for (const c of cases) {
    const t = times.get(c.name) ?? []
    const cpu = median(cpus.get(c.name) ?? [])
    console.log(
      `     ${c.name}: wall median ${median(t).toFixed(0)} ms, min ${Math.min(...t).toFixed(0)} ms; CPU median ${cpu.toFixed(0)} ms (${RUNS} runs)`,
    )
  }
  const of = (name: string) => median(times.get(name) ?? [])
  return [
    {
      name: 'sdflow validate wall time (median)',
      value: of('sdflow validate (bundle)'),
      unit: 'ms',
      target: 350,
    },
    {
      name: 'sdflow nodes wall time (median)',
      value: of('sdflow nodes (bundle)'),
      unit: 'ms',
      target: 350,
    },
    {
      name: "node -e '' wall time (baseline)",
      value: of("node -e ''"),
      unit: 'ms',
      target: Number.POSITIVE_INFINITY,
    },
  ]
}
