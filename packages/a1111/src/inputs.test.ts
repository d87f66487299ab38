import type { ArtifactStore } from '@sdflow/engine'
import { describe, expect, it } from 'vitest'
import { txt2imgWire } from './inputs.js'

describe('ControlNet units on the wire', () => {
  it('never carry a legacy alias beside its field (guidance, lowvram, input_image, mask_image)', async () => {
    const unit = {
      model: 'control_v11p_sd15_canny',
      guidance_end: 0.8,
      guidance: 0.5,
      lowvram: true,
      input_image: 'x',
      mask_image: 'y',
    }
    const wire = await txt2imgWire({} as ArtifactStore, { prompt: 'p', controlnet: [unit] })
    const [sent] = wire.alwayson_scripts?.controlnet?.args ?? []
    expect(sent).toEqual({ model: 'control_v11p_sd15_canny', guidance_end: 0.8, enabled: true })
  })
})
