import { composite } from './image/composite.js'
import { crop } from './image/crop.js'
import { imageArtifact } from './image/image-artifact.js'
import { imageLoad } from './image/image-load.js'
import { imageSave } from './image/image-save.js'
import { pattern } from './image/pattern.js'
import { qrCode } from './image/qr-code.js'
import { qrVerify } from './image/qr-verify.js'
import { resize } from './image/resize.js'
import { maskFeather } from './mask/mask-feather.js'
import { maskFromImage } from './mask/mask-from-image.js'
import { maskInvert } from './mask/mask-invert.js'
import { maskShape } from './mask/mask-shape.js'

/** The node types that run on this machine's CPU (sharp, qrcode): no backend needed. */
export const localNodes = [
  imageLoad,
  imageArtifact,
  imageSave,
  qrCode,
  qrVerify,
  pattern,
  resize,
  crop,
  composite,
  maskFromImage,
  maskInvert,
  maskFeather,
  maskShape,
] as const
