import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Catalog, catalogMatch, loadCatalog } from './catalog.js'
import { createClient } from './client.js'

let emulator: RunningEmulator
let catalog: Catalog
beforeAll(async () => {
  emulator = await startEmulator({ stepMs: 40 })
  catalog = await loadCatalog(createClient({ id: 'b1', url: emulator.url }))
})
afterAll(async () => {
  await emulator?.close()
})

describe('catalogMatch: a name as a backend reads it, for forms', () => {
  it('finds the listed entry a ControlNet model without its hash means', () => {
    const model = catalog.controlnetModels.find((m) => m.startsWith('control_v1p_sd15_qrcode'))
    expect(model).toMatch(/\[[0-9a-f]+\]$/)
    expect(catalogMatch(catalog, 'controlnetModels', 'control_v1p_sd15_qrcode_monster')).toEqual({
      known: true,
      entry: model,
    })
  })

  it('finds a scheduler by its label (A1111 takes name or label) and a checkpoint by stem or hash', () => {
    expect(catalogMatch(catalog, 'schedulers', 'Karras')).toEqual({ known: true, entry: 'karras' })
    expect(catalogMatch(catalog, 'schedulers', 'karras')).toEqual({ known: true, entry: 'karras' })
    const title = 'v1-5-pruned-emaonly.safetensors [6ce0161689]'
    for (const name of [title, 'v1-5-pruned-emaonly.safetensors', '6ce0161689']) {
      expect(catalogMatch(catalog, 'checkpoints', name)).toEqual({ known: true, entry: title })
    }
  })

  it('takes what validation takes without one entry, and refuses what it refuses', () => {
    expect(catalogMatch(catalog, 'upscalers', 'Latent')).toEqual({ known: true })
    expect(catalogMatch(catalog, 'samplers', 'DPM++ 2M Karras')).toEqual({ known: true })
    expect(catalogMatch(catalog, 'samplers', 'DPM++ 2M')).toEqual({ known: true })
    expect(catalogMatch(catalog, 'schedulers', 'Karass')).toEqual({ known: false })
    expect(catalogMatch(catalog, 'controlnetModels', 'no_such_model')).toEqual({ known: false })
    expect(catalogMatch(catalog, 'checkpoints', 'nope.safetensors')).toEqual({ known: false })
  })
})
