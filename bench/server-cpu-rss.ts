// Peak RSS of `sdflow serve` (a child process, /proc VmHWM) on issue 12 case 11: an
// 8192x8192 RGBA 16-bit upload (about 520 KB) through CPU image nodes in one run, two CPU
// nodes at a time. `issue` is cpu-memory.test.ts's run (two composites, one masked, and
// mask.from-image); `six` adds mask.feather, image.resize and image.qr-verify.
// node --conditions=source --import tsx bench/server-cpu-rss.ts [issue|six ...]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  killChildServers,
  startServerProcess,
} from '../packages/server/src/child-server.test-support.js'
import { flatPng16 } from '../test/reliability/flat-png.test-support.js'
import { link, tempDir, workflowOf, writeConfig } from '../test/reliability/rig.test-support.js'
import { compositeCase, statusMb } from '../test/reliability/server-memory.test-support.js'

type Nodes = Parameters<typeof workflowOf>[0]

const issue: Nodes = compositeCase()
const cases: Record<string, Nodes> = {
  issue,
  six: {
    ...issue,
    soft: { type: 'mask.feather', params: { radius: 4 }, inputs: { mask: link('alpha', 'mask') } },
    small: { type: 'image.resize', params: { width: 2048 }, inputs: { image: link('big') } },
    scan: { type: 'image.qr-verify', inputs: { image: link('big') } },
  },
}

/** User + system CPU of a process so far, ms (clock ticks of 10 ms). */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function measure(name: string, nodes: Nodes): Promise<void> {
  const dir = await tempDir('sdflow-server-cpu-rss-')
  try {
    const server = await startServerProcess([
      ...['--port', '0', '--config', writeConfig(dir.path, [])],
      ...['--data', join(dir.path, 'data'), '--out', join(dir.path, 'out')],
    ])
    const pid = server.process.pid ?? 0
    const upload = await fetch(`${server.url}/api/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await flatPng16(8192),
    })
    const { hash } = (await upload.json()) as { hash: string }
    const idle = statusMb(pid, 'VmRSS')
    const workflow = workflowOf({
      big: { type: 'image.load', params: { artifact: hash } },
      ...nodes,
    })
    const cpu = cpuMs(pid)
    const began = performance.now()
    const res = await fetch(`${server.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow }),
    })
    const { runId } = (await res.json()) as { runId: string }
    let status = ''
    while (!['finished', 'failed', 'cancelled'].includes(status)) {
      await new Promise((r) => setTimeout(r, 50))
      const run = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as {
        status: string
      }
      status = run.status
    }
    console.log(
      `${name}: ${status}, server peak RSS ${statusMb(pid, 'VmHWM')} MB (${idle} MB after the upload), run ${Math.round(performance.now() - began)} ms, server CPU ${cpuMs(pid) - cpu} ms`,
    )
  } finally {
    await killChildServers()
    await dir.remove()
  }
}

const names = process.argv.slice(2)
for (const name of names.length > 0 ? names : Object.keys(cases)) {
  const nodes = cases[name]
  if (nodes) await measure(name, nodes)
  else console.log(`${name}: no such case (${Object.keys(cases).join(', ')})`)
}
