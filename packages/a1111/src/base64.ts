import type { ArtifactStore } from '@sdflow/engine'
import { type ImageRef, SdflowError } from '@sdflow/protocol'
import { badResponse, type FailureSite } from './errors.js'

const dataUrl = /^data:image\/[a-z0-9.+-]+;base64,/i
/** Base64 kept per store, newest last, up to this many characters in all. */
const RECENT_CHARS = 32 * 1024 * 1024

/**
 * The base64 a backend sent for the images stored last, by hash: an image that goes straight
 * back as an init image or control image is sent as received, not read and encoded again.
 */
const recent = new WeakMap<ArtifactStore, { texts: Map<string, string>; chars: number }>()

function remember(artifacts: ArtifactStore, hash: string, text: string): void {
  if (text.length > RECENT_CHARS) return
  let kept = recent.get(artifacts)
  if (!kept) {
    kept = { texts: new Map(), chars: 0 }
    recent.set(artifacts, kept)
  }
  if (kept.texts.has(hash)) return
  kept.texts.set(hash, text)
  kept.chars += text.length
  for (const [oldest, old] of kept.texts) {
    if (kept.chars <= RECENT_CHARS) break
    kept.texts.delete(oldest)
    kept.chars -= old.length
  }
}

/**
 * The bytes of strict base64 (standard alphabet, padding only at the end), else undefined.
 * Node's decoder skips characters outside both alphabets and stops at padding, so any such
 * character leaves fewer bytes than the length promises; only the URL-safe two are looked for.
 * A regular expression over the text did the same at several ms a picture of main-thread time.
 */
function decodeStrict(payload: string): Buffer | undefined {
  if (payload.length === 0 || payload.length % 4 !== 0) return undefined
  if (payload.includes('-') || payload.includes('_')) return undefined
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0
  const bytes = Buffer.from(payload, 'base64')
  return bytes.length === (payload.length / 4) * 3 - padding ? bytes : undefined
}

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
  const bytes = decodeStrict(payload)
  if (!bytes) {
    throw badResponse(site, `${what} is not valid base64 (${payload.length} characters)`, {
      what,
    })
  }
  try {
    const ref = await artifacts.put(bytes)
    remember(artifacts, ref.hash, payload)
    return ref
  } catch (error) {
    if (error instanceof SdflowError && error.code === 'SDF_IMAGE_INVALID') {
      throw badResponse(site, `${what} is not an image: ${error.message}`, { what }, error)
    }
    throw error
  }
}

/** Read a stored image and encode it for a request (only when a request needs it). */
export async function encodeImage(artifacts: ArtifactStore, ref: ImageRef): Promise<string> {
  const known = recent.get(artifacts)?.texts.get(ref.hash)
  if (known !== undefined) return known
  return (await artifacts.read(ref)).toString('base64')
}
