// Case 28: two identical runs submitted together share one generation of each identical node.
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emulators,
  gen,
  type Rig,
  requests,
  rig,
  save,
  settled,
  submit,
  workflowOf,
} from './rig.test-support.js'

let emulator: RunningEmulator
let r: Rig
beforeAll(async () => {
  ;[emulator] = (await emulators(1, { stepMs: 30 })) as [RunningEmulator]
  r = await rig([{ id: 'emu', url: emulator.url }])
})
afterAll(async () => {
  await r.close()
  await emulator.close()
})

describe('case 28: identical runs submitted together', () => {
  it('generate once: the second waits for the node in flight and reuses it', async () => {
    const doc = workflowOf({ gen: gen({ seed: 51, steps: 20 }), save: save('gen', 'twin') })
    const [a, b] = await Promise.all([submit(r.app, doc), submit(r.app, doc)])
    const runs = await Promise.all([settled(r.app, a), settled(r.app, b)])
    expect(runs.map((run) => run.status)).toEqual(['finished', 'finished'])
    expect(requests(emulator)).toBe(1)
    expect(runs.map((run) => run.nodes.gen?.status).sort()).toEqual(['cached', 'done'])
  })
})
