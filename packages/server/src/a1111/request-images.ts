import type { ArtifactStore } from '@sdflow/engine'
import { A1111Failure, httpException } from './a1111-errors.js'
import type { A1111Kind, StoredImages } from './to-workflow.js'

const dataUrl = /^data:image\/[a-z0-9.+-]+;base64,/i
const base64Text = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Every image of a request decoded once into the artifact store (hash, type and pixel limit
 * checked there). A1111 answers an undecodable image with 500 `Invalid encoded image`; an
 * image URL is refused the same way, since sdflow never fetches URLs for a caller.
 */
export async function storeRequestImages(
  artifacts: ArtifactStore,
  kind: A1111Kind,
  body: Record<string, unknown>,
): Promise<StoredImages> {
  const put = async (value: unknown): Promise<string | undefined> => {
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value !== 'string') throw invalid()
    const payload = dataUrl.test(value) ? value.slice(value.indexOf(',') + 1) : value
    if (/^https?:\/\//i.test(value)) {
      throw new A1111Failure(
        httpException(500, 'Invalid encoded image: sdflow does not fetch image URLs; send base64'),
      )
    }
    if (payload.length % 4 !== 0 || !base64Text.test(payload)) throw invalid()
    try {
      return (await artifacts.put(Buffer.from(payload, 'base64'))).hash
    } catch {
      throw invalid()
    }
  }
  const images: StoredImages = { init: [], units: [], extras: [] }
  if (kind === 'img2img') {
    for (const item of asArray(body.init_images)) {
      const hash = await put(item)
      if (hash) images.init.push(hash)
    }
    const mask = await put(body.mask)
    if (mask) images.mask = mask
  }
  if (kind === 'txt2img' || kind === 'img2img') {
    for (const unit of controlnetArgs(body.alwayson_scripts)) {
      const image = await put(unitImage(unit))
      const mask = await put(unit.mask ?? unit.mask_image)
      images.units.push({ ...(image && { image }), ...(mask && { mask }) })
    }
  }
  if (kind === 'extra-single-image') {
    const hash = await put(body.image)
    if (hash) images.extras.push(hash)
  }
  if (kind === 'extra-batch-images') {
    for (const item of asArray(body.imageList)) {
      const hash = await put(isObject(item) ? item.data : undefined)
      if (hash) images.extras.push(hash)
    }
  }
  return images
}

function invalid(): A1111Failure {
  return new A1111Failure(httpException(500, 'Invalid encoded image'))
}

function unitImage(unit: Record<string, unknown>): unknown {
  const image = unit.image ?? unit.input_image
  // `{image, mask}` form
  return isObject(image) ? image.image : image
}

function controlnetArgs(scripts: unknown): Record<string, unknown>[] {
  if (!isObject(scripts)) return []
  for (const [name, script] of Object.entries(scripts)) {
    if (name.toLowerCase() === 'controlnet' && isObject(script) && Array.isArray(script.args)) {
      return script.args.map((a: unknown) => (isObject(a) ? a : {}))
    }
  }
  return []
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
