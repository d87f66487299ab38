import { describe, expect, it } from 'vitest'
import { expandRegion } from './inpaint.js'

describe('expandRegion (A1111 masking.expand_crop_region)', () => {
  it('grows the short side to the processing aspect ratio, centred', () => {
    expect(expandRegion({ x1: 40, y1: 45, x2: 60, y2: 55 }, 512, 512, 100, 100)).toEqual({
      x1: 40,
      y1: 40,
      x2: 60,
      y2: 60,
    })
  })

  it('shifts a region that would leave the image back inside it', () => {
    expect(expandRegion({ x1: 0, y1: 90, x2: 40, y2: 100 }, 512, 512, 100, 100)).toEqual({
      x1: 0,
      y1: 60,
      x2: 40,
      y2: 100,
    })
    expect(expandRegion({ x1: 0, y1: 0, x2: 10, y2: 40 }, 512, 512, 100, 100)).toEqual({
      x1: 0,
      y1: 0,
      x2: 40,
      y2: 40,
    })
  })

  it('clips to the image when the region cannot fit', () => {
    expect(expandRegion({ x1: 0, y1: 0, x2: 100, y2: 10 }, 512, 512, 100, 50)).toEqual({
      x1: 0,
      y1: 0,
      x2: 100,
      y2: 50,
    })
  })
})
