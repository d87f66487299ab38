// Peak RSS of CPU image nodes on an image at the pixel limit (issue 12, case 11): an 8192x8192
// RGBA 16-bit PNG (about 520 KB, one colour), each case in a process of its own so its peak is
// its own. node --conditions=source --import tsx bench/cpu-nodes-rss.ts [case ...]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine } from '@sdflow/engine'
import { createNodeRegistry } from '@sdflow/nodes'
import { flatPng16 } from '../test/reliability/flat-png.test-support.js'

const image = (hash: string) => ({ type: 'image.artifact', params: { hashes: [hash] } })
const from = (node: string, output = 'image') => ({ node, output })

/** Each case: the nodes after `big` (an image.artifact of the upload). */
const cases: Record<string, Record<string, unknown>> = {
  composite: {
    out: { type: 'image.composite', inputs: { base: from('big'), overlay: from('big') } },
  },
  'composite-masked': {
    m: { type: 'mask.shape', params: { width: 512, height: 512, shape: 'ellipse' } },
    out: {
      type: 'image.composite',
      params: { opacity: 0.5, x: 100, y: -50 },
      inputs: { base: from('big'), overlay: from('big'), mask: from('m', 'mask') },
    },
  },
  'two-composites': {
    a: { type: 'image.composite', inputs: { base: from('big'), overlay: from('big') } },
    b: {
      type: 'image.composite',
      params: { blend: 'multiply' },
      inputs: { base: from('big'), overlay: from('big') },
    },
  },
  resize: {
    out: { type: 'image.resize', params: { width: 4096 }, inputs: { image: from('big') } },
  },
  crop: {
    out: {
      type: 'image.crop',
      params: { x: 0, y: 0, width: 8000, height: 8000 },
      inputs: { image: from('big') },
    },
  },
  'mask-from-image': { out: { type: 'mask.from-image', inputs: { image: from('big') } } },
  'mask-feather': {
    m: { type: 'mask.from-image', params: { mode: 'alpha' }, inputs: { image: from('big') } },
    out: { type: 'mask.feather', params: { radius: 8 }, inputs: { mask: from('m', 'mask') } },
  },
  'mask-invert': {
    m: { type: 'mask.from-image', params: { mode: 'alpha' }, inputs: { image: from('big') } },
    out: { type: 'mask.invert', inputs: { mask: from('m', 'mask') } },
  },
  'qr-verify': { out: { type: 'image.qr-verify', inputs: { image: from('big') } } },
  save: { out: { type: 'image.save', inputs: { image: from('big') } } },
}

async function child(name: string, dir: string): Promise<void> {
  const engine = createEngine({
    registry: createNodeRegistry(),
    services: {},
    dataDir: join(dir, 'data'),
    roots: { input: join(dir, 'in'), output: join(dir, 'out') },
  })
  const ref = await engine.artifacts.put(readFileSync(join(dir, 'big.png')))
  const idleKb = process.resourceUsage().maxRSS
  const run = await engine.run({
    format: 'sdflow.workflow/1',
    name: name,
    nodes: { big: image(ref.hash), ...cases[name] },
  })
  const issues = Object.values(run.nodes).flatMap((n) => (n?.issue ? [n.issue.code] : []))
  const maxKb = process.resourceUsage().maxRSS
  process.stdout.write(`${JSON.stringify({ status: run.status, issues, idleKb, maxKb })}\n`)
}

async function parent(names: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdflow-cpu-rss-'))
  try {
    writeFileSync(join(dir, 'big.png'), await flatPng16(8192))
    for (const name of names) {
      const ran = spawnSync(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', import.meta.filename, '--child', name, dir],
        { encoding: 'utf8' },
      )
      const line = ran.stdout.trim().split('\n').at(-1) ?? ''
      try {
        const r = JSON.parse(line) as {
          status: string
          issues: string[]
          idleKb: number
          maxKb: number
        }
        console.log(
          `${name}: ${r.status}${r.issues.length ? ` ${r.issues.join(',')}` : ''}, peak RSS ${Math.round(r.maxKb / 1024)} MiB (idle ${Math.round(r.idleKb / 1024)} MiB)`,
        )
      } catch {
        console.log(`${name}: exit ${ran.status} ${ran.signal ?? ''} ${ran.stderr.slice(-400)}`)
      }
      rmSync(join(dir, 'data'), { recursive: true, force: true })
      rmSync(join(dir, 'out'), { recursive: true, force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const args = process.argv.slice(2)
if (args[0] === '--child') await child(args[1] ?? '', args[2] ?? '')
else await parent(args.length > 0 ? args : Object.keys(cases))
