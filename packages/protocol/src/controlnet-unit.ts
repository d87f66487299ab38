import type { ImageRef } from './image-ref.js'

/** A ControlNet unit as it travels on a `controlnet` edge: A1111 unit fields, image by ref. */
export interface ControlNetUnit {
  image: ImageRef
  mask?: ImageRef
  model: string
  module: string
  weight: number
  guidance_start: number
  guidance_end: number
  control_mode: string
  resize_mode: string
  pixel_perfect: boolean
  processor_res: number
  threshold_a: number
  threshold_b: number
}
