import { controlnetDetect } from './sd/controlnet-detect.js'
import { controlnetUnit } from './sd/controlnet-unit.js'
import { img2img } from './sd/img2img.js'
import { inpaint } from './sd/inpaint.js'
import { qrIllusion } from './sd/qr-illusion.js'
import { txt2img } from './sd/txt2img.js'
import { upscale } from './sd/upscale.js'

/** The node types that run on an A1111 backend. */
export const sdNodes = [
  txt2img,
  img2img,
  inpaint,
  upscale,
  controlnetUnit,
  controlnetDetect,
  qrIllusion,
] as const
