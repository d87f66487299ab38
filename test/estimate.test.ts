import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningRunpodEmulator, startRunpodEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdflow, tmp } from './cli.test-support.js'

let endpoint: RunningRunpodEmulator
let dir: string

beforeAll(async () => {
  endpoint = await startRunpodEmulator({ apiKey: 'rp-estimate-key', stepMs: 2, workers: 2 })
  dir = tmp('sdflow-estimate-')
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      backends: [
        {
          id: 'rp',
          type: 'runpod',
          worker: 'a1111',
          url: endpoint.url,
          apiKey: 'rp-estimate-key',
          pricePerImage: 0.00031,
        },
      ],
    }),
  )
  const gen = (seed: number) => ({
    type: 'sd.txt2img',
    params: { prompt: 'a', steps: 5, width: 64, height: 64, batch_size: 2, seed },
  })
  writeFileSync(
    join(dir, 'wf.json'),
    JSON.stringify({
      format: 'sdflow.workflow/1',
      name: 'estimate',
      outputs: { a: { node: 'a', output: 'image' }, b: { node: 'b', output: 'image' } },
      nodes: { a: gen(1), b: gen(2) },
    }),
  )
})

afterAll(() => endpoint?.close())

describe('sdflow run --estimate', () => {
  it('prints images and cost per backend kind, "no history yet" until a run was seen', async () => {
    const args = [
      'run',
      join(dir, 'wf.json'),
      '--config',
      join(dir, 'config.json'),
      '--data',
      join(dir, 'data'),
    ]
    const before = await sdflow([...args, '--estimate'])
    expect(before.code, before.stderr).toBe(0)
    expect(before.stdout.trim().split('\n')).toEqual([
      'images to generate: 4',
      'runpod: no history yet, est. $0.0012 ($0.00031/image)',
    ])
    expect(endpoint.stats().requests['POST /run'] ?? 0).toBe(0)
    const ran = await sdflow(args)
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).toMatch(/est\. \$0\.0012 \(\$0\.00031\/image\)/)
    const after = await sdflow([...args, '--estimate'])
    expect(after.stdout).toMatch(/^runpod: \d+\.\d s GPU, est\. \$0\.0012 \(\$0\.00031\/image\)$/m)
  })
})
