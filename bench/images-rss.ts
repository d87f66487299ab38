// Issue 16 goal 4: peak RSS of `sdflow run` producing 64 images of 1024x1024 (4 sd.txt2img
// nodes of batch 16 on one emulator, its own process, plus an image.save for each), against
// the same command running one 64 px image in the same session (the process's own memory).
// node --conditions=source --import tsx bench/images-rss.ts
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from './backends.js'

const bin = join(import.meta.dirname, '..', 'packages/cli/bin/sdflow.js')

function workflow(nodes: number, batch: number, side: number) {
  const doc: Record<string, Record<string, unknown>> = {}
  for (let i = 0; i < nodes; i++) {
    doc[`g${i}`] = {
      type: 'sd.txt2img',
      params: {
        prompt: `batch ${i}`,
        steps: 4,
        width: side,
        height: side,
        batch_size: batch,
        seed: i,
      },
    }
    doc[`s${i}`] = {
      type: 'image.save',
      params: { prefix: `g${i}` },
      inputs: { image: { node: `g${i}`, output: 'image' } },
    }
  }
  return { format: 'sdflow.workflow/1', name: 'images-rss', nodes: doc }
}

/** Peak RSS (MiB) and wall seconds of one `sdflow run` under GNU time, on fresh folders. */
function measure(
  url: string,
  doc: unknown,
): { mib: number; seconds: number; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'sdflow-images-rss-'))
  try {
    const file = join(dir, 'wf.json')
    writeFileSync(file, JSON.stringify(doc))
    const args = ['-f', '%M %e', process.execPath, bin, 'run', file, '--backend', url]
    const ran = spawnSync(
      '/usr/bin/time',
      [...args, '--out', join(dir, 'out'), '--data', join(dir, 'data')],
      { encoding: 'utf8' },
    )
    const [kib, seconds] = ran.stderr.trim().split('\n').at(-1)?.split(' ') ?? []
    if (ran.status !== 0) process.stderr.write(ran.stdout.slice(-2000) + ran.stderr.slice(-2000))
    return { mib: Number(kib) / 1024, seconds: Number(seconds), status: ran.status }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchImages() {
  const emulator = await startEmulator()
  try {
    const idle = measure(emulator.url, workflow(1, 1, 64))
    const big = measure(emulator.url, workflow(4, 16, 1024))
    console.log(
      `64 images of 1024x1024: exit ${big.status}, peak RSS ${big.mib.toFixed(0)} MiB (${big.seconds} s); one 64 px image: ${idle.mib.toFixed(0)} MiB`,
    )
    return [
      {
        name: 'peak RSS, 64 images of 1024x1024 (4 x batch 16 + saves)',
        value: big.mib,
        unit: 'MiB',
        target: 300,
      },
      {
        name: 'peak RSS above one 64 px image',
        value: big.mib - idle.mib,
        unit: 'MiB',
        target: 150,
      },
    ]
  } finally {
    emulator.child.kill()
  }
}

if (import.meta.filename === process.argv[1]) await benchImages()
