// Peak RSS of `sdflow run` on a workflow whose image.load base64 holds a PNG with a big text
// chunk (issue 12, case 12): the provenance chunk image.save writes used to embed it whole.
// node --conditions=source --import tsx bench/provenance-rss.ts [textMiB]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withPngText } from '@sdflow/protocol'
import sharp from 'sharp'

const textMiB = Number(process.argv[2] ?? 40)
const dir = mkdtempSync(join(tmpdir(), 'sdflow-prov-rss-'))
const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } })
  .png()
  .toBuffer()
const big = Buffer.from(withPngText(png, { comment: 'x'.repeat(textMiB * 1024 * 1024) }))
const doc = {
  format: 'sdflow.workflow/1',
  name: 'big-inline',
  nodes: {
    load: { type: 'image.load', params: { base64: big.toString('base64') } },
    save: { type: 'image.save', inputs: { image: { node: 'load', output: 'image' } } },
  },
}
const file = join(dir, 'wf.json')
writeFileSync(file, JSON.stringify(doc))
const bin = join(import.meta.dirname, '..', 'packages/cli/bin/sdflow.js')
const args = ['-f', '%M %e', process.execPath, bin, 'run', file, '--out', join(dir, 'out')]
const ran = spawnSync('/usr/bin/time', [...args, '--data', join(dir, 'data')], {
  encoding: 'utf8',
})
rmSync(dir, { recursive: true, force: true })
const [kib, seconds] = ran.stderr.trim().split('\n').at(-1)?.split(' ') ?? []
const size = (JSON.stringify(doc).length / 2 ** 20).toFixed(0)
console.log(
  `workflow ${size} MiB: exit ${ran.status}, peak RSS ${(Number(kib) / 1024).toFixed(0)} MiB, ${seconds} s`,
)
