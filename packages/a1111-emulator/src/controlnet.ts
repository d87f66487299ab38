import type { FastifyBaseLogger } from 'fastify'
import { findControlNetModel, moduleDetail } from './controlnet-catalog.js'
import { runModule } from './controlnet-detect.js'
import { controlStrength, imprint } from './controlnet-imprint.js'
import { type ControlNetUnitSpec, serializeUnit } from './controlnet-units.js'
import { type DecodeOptions, decodeInputBytes, encodePng, floor8, toRgb } from './image-io.js'
import type { RawImage } from './picture.js'
import { type ResizeMode, resizeRaw } from './resize.js'

export interface ControlNetRun {
  /** `ControlNet <i>` infotext entries in unit order. */
  infotext: [string, string][]
  /** Imprints every enabled unit into a finished picture. */
  apply(image: RawImage, hires: boolean): Promise<RawImage>
  /** PNGs of the detected maps to append to `images` (hires map first when hires ran). */
  detectedMaps(hires: { width: number; height: number } | null): Promise<Buffer[]>
}

interface PreparedUnit {
  spec: ControlNetUnitSpec
  source: RawImage
  baseMap: RawImage
  strength: number
}

const RESIZE: Readonly<Record<ControlNetUnitSpec['resizeMode'], ResizeMode>> = {
  'Just Resize': 'just-resize',
  'Crop and Resize': 'crop-and-resize',
  'Resize and Fill': 'resize-and-fill',
}

function unitImage(image: unknown): unknown {
  if (Array.isArray(image)) {
    const first: unknown = image[0]
    return typeof first === 'object' && first !== null && 'image' in first ? first.image : first
  }
  if (typeof image === 'object' && image !== null && 'image' in image) return image.image
  return image
}

async function mapFor(unit: ControlNetUnitSpec, source: RawImage, w: number, h: number) {
  const resized = await resizeRaw(source, w, h, RESIZE[unit.resizeMode])
  return runModule(unit.module, resized, {
    thresholdA: unit.thresholdA,
    thresholdB: unit.thresholdB,
  })
}

export interface ControlNetContext {
  width: number
  height: number
  /** img2img: `init_images[0]` stands in for a unit without image. */
  fallbackImage: string | null
  decode: DecodeOptions
  saveMaps: boolean
  log: FastifyBaseLogger
}

/**
 * Runtime part of the ControlNet script. Any runtime problem (model not found, no image, bad
 * image) makes the whole script fail: A1111 logs it and generates without ControlNet (null).
 */
export async function prepareControlNet(
  units: ControlNetUnitSpec[],
  cx: ControlNetContext,
): Promise<ControlNetRun | null> {
  const enabled = units.filter((u) => u.enabled)
  if (enabled.length === 0) return null
  const w = floor8(cx.width)
  const h = floor8(cx.height)
  const prepared: PreparedUnit[] = []
  try {
    for (const spec of enabled) {
      if (!moduleDetail(spec.module).model_free) {
        if (spec.model === 'None' || !findControlNetModel(spec.model)) {
          throw new Error(`Recognizing Control Model failed: ${spec.model}`)
        }
      }
      const encoded = unitImage(spec.image) ?? cx.fallbackImage
      if (encoded === null || encoded === undefined)
        throw new Error('controlnet is enabled but no input image is given')
      const source = await toRgb(await decodeInputBytes(encoded, cx.decode))
      prepared.push({
        spec,
        source,
        baseMap: await mapFor(spec, source, w, h),
        strength: controlStrength(
          spec.weight,
          spec.guidanceStart,
          spec.guidanceEnd,
          spec.controlMode,
        ),
      })
    }
  } catch (err) {
    cx.log.warn({ err }, 'Error running process: ControlNet')
    return null
  }
  return {
    infotext: prepared.map((p, i) => [`ControlNet ${i}`, serializeUnit(p.spec)]),
    async apply(image, hires) {
      let out = image
      for (const p of prepared) {
        if (hires && p.spec.hrOption === 'Low res only') continue
        if (!hires && p.spec.hrOption === 'High res only') continue
        out = await imprint(out, p.baseMap, p.strength)
      }
      return out
    },
    async detectedMaps(hires) {
      if (!cx.saveMaps) return []
      const out: Buffer[] = []
      for (const p of prepared) {
        if (!p.spec.saveDetectedMap) continue
        if (hires) {
          out.push(
            await encodePng(
              await mapFor(p.spec, p.source, floor8(hires.width), floor8(hires.height)),
            ),
          )
        }
        out.push(await encodePng(p.baseMap))
      }
      return out
    },
  }
}
