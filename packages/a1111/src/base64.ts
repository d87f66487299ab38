import type { ArtifactStore } from '@sdflow/engine'
import { type ImageRef, SdflowError } from '@sdflow/protocol'
import { badResponse, type FailureSite } from './errors.js'

const dataUrl = /^data:image\/[a-z0-9.+-]+;base64,/i
const strictBase64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Decode one base64 image from a backend answer straight into the artifact store (which
 * hashes, sniffs the magic bytes and checks the pixel limit). Plain or `data:` URL form.
 */
export async function storeBase64(
  artifacts: ArtifactStore,
  text: string,
  site: FailureSite,
  what: string,
): Promise<ImageRef> {
  const payload = dataUrl.test(text) ? text.slice(text.indexOf(',') + 1) : text
  if (payload.length === 0 || payload.length % 4 !== 0 || !strictBase64.test(payload)) {
    throw badResponse(site, `${what} is not valid base64 (${payload.length} characters)`, {
      what,
    })
  }
  try {
    return await artifacts.put(Buffer.from(payload, 'base64'))
  } catch (error) {
    if (error instanceof SdflowError && error.code === 'SDF_IMAGE_INVALID') {
      throw badResponse(site, `${what} is not an image: ${error.message}`, { what }, error)
    }
    throw error
  }
}

/** Read a stored image and encode it for a request (only when a request needs it). */
export async function encodeImage(artifacts: ArtifactStore, ref: ImageRef): Promise<string> {
  return (await artifacts.read(ref)).toString('base64')
}
