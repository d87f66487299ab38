import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { fail, type ImageMime, type ImageRef } from '@sdflow/protocol'
import type { Sharp } from 'sharp'
import { ByteLru } from './byte-lru.js'
import { sharp } from './sharp.js'
import { storageError } from './storage-error.js'

/** 64 megapixels: above any A1111 output (hires 4x of 2048 is 8192 x 8192). */
export const DEFAULT_MAX_PIXELS = 8192 * 8192

/**
 * Content-addressed images, as nodes see them. Not part of it: where the bytes live (no root,
 * no path), so a worker can implement it over HTTP (`GET`/`PUT /api/artifacts/:hash`).
 */
export interface ArtifactStore {
  readonly maxPixels: number
  /** Check, hash and store encoded image bytes (PNG, JPEG or WebP). Stored once per hash. */
  put(bytes: Buffer): Promise<ImageRef>
  /**
   * The encoded bytes of a stored image. Bytes read from disk are checked against the hash: a
   * damaged file is removed and SDF_ARTIFACT_DAMAGED thrown.
   */
  read(ref: ImageRef | string): Promise<Buffer>
  /** A sharp pipeline over a stored image, with the pixel limit applied. */
  decode(ref: ImageRef): Promise<Sharp>
  /** Known to this store without I/O (a remote store: fetched or put by this process). */
  has(hash: string): boolean
}

/** The artifact store on disk: one file per image under `root`. */
export interface FileArtifactStore extends ArtifactStore {
  readonly root: string
  path(hash: string): string
}

export interface ArtifactStoreOptions {
  root: string
  maxPixels?: number
  /** Bytes of recently used images kept in memory. */
  memoryBytes?: number
}

const extensions: Record<ImageMime, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
}

export function sniffMime(bytes: Uint8Array): ImageMime | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return 'image/png'
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (
    bytes[0] === 0x52 &&
    bytes[1] === 0x49 &&
    bytes[2] === 0x46 &&
    bytes[3] === 0x46 &&
    bytes[8] === 0x57 &&
    bytes[9] === 0x45 &&
    bytes[10] === 0x42 &&
    bytes[11] === 0x50
  ) {
    return 'image/webp'
  }
  return undefined
}

/** Content-addressed image files under `root`, named by sha256, written atomically. */
export function createArtifactStore(options: ArtifactStoreOptions): FileArtifactStore {
  const { root } = options
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS
  const recent = new ByteLru(options.memoryBytes ?? 256 * 1024 * 1024)
  const mimes = new Map<string, ImageMime>()
  let ready: Promise<unknown> | undefined

  const fileOf = (hash: string, mime: ImageMime) =>
    join(root, hash.slice(0, 2), `${hash}.${extensions[mime]}`)

  const locate = (hash: string): string | undefined => {
    const known = mimes.get(hash)
    if (known) return fileOf(hash, known)
    for (const mime of Object.keys(extensions) as ImageMime[]) {
      const file = fileOf(hash, mime)
      if (existsSync(file)) {
        mimes.set(hash, mime)
        return file
      }
    }
    return undefined
  }

  return {
    root,
    maxPixels,
    async put(bytes) {
      const ref = await inspectImage(bytes, maxPixels)
      const { hash, mime } = ref
      const file = fileOf(hash, mime)
      if (!existsSync(file)) {
        const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
        try {
          ready ??= mkdir(root, { recursive: true })
          await ready
          await mkdir(join(root, hash.slice(0, 2)), { recursive: true })
          await writeFile(temp, bytes)
          await rename(temp, file)
        } catch (error) {
          await rm(temp, { force: true })
          throw storageError(error, root)
        }
      }
      mimes.set(hash, mime)
      recent.set(hash, bytes)
      return ref
    },
    async read(ref) {
      const hash = typeof ref === 'string' ? ref : ref.hash
      const cached = recent.get(hash)
      if (cached) return cached
      const file = locate(hash)
      if (!file) throw fail('SDF_PATH_NOT_FOUND', `artifact ${hash} is not in ${root}`)
      const bytes = await readFile(file)
      // every read from disk is checked: a file truncated or changed there must not pass for
      // the image its name promises (served as immutable, reused from the cache, saved)
      if (createHash('sha256').update(bytes).digest('hex') !== hash) {
        mimes.delete(hash)
        await rm(file, { force: true })
        throw fail(
          'SDF_ARTIFACT_DAMAGED',
          `artifact ${hash} was damaged on disk (its content no longer matches its hash) and has been removed`,
          { details: { hash } },
        )
      }
      recent.set(hash, bytes)
      return bytes
    },
    async decode(ref) {
      return sharp(await this.read(ref), { limitInputPixels: maxPixels })
    },
    has: (hash) => recent.get(hash) !== undefined || locate(hash) !== undefined,
    path(hash) {
      const file = locate(hash)
      if (!file) throw fail('SDF_PATH_NOT_FOUND', `artifact ${hash} is not in ${root}`)
      return file
    },
  }
}

/**
 * The ref of encoded image bytes: a PNG, JPEG or WebP that is whole and within the pixel
 * limit, named by its sha256. Every store checks what it is given with this.
 */
export async function inspectImage(bytes: Buffer, maxPixels: number): Promise<ImageRef> {
  const mime = sniffMime(bytes)
  if (!mime) throw fail('SDF_IMAGE_INVALID', 'the data is not a PNG, JPEG or WebP image')
  const { width, height } = await measure(bytes, maxPixels)
  const cut = incomplete(bytes, mime)
  if (cut) throw fail('SDF_IMAGE_INVALID', `the image is truncated or damaged: ${cut}`)
  const hash = createHash('sha256').update(bytes).digest('hex')
  return { hash, width, height, mime }
}

/** Read the header only; refuse what is broken or bigger than the pixel limit. */
async function measure(
  bytes: Buffer,
  maxPixels: number,
): Promise<{ width: number; height: number }> {
  let width: number | undefined
  let height: number | undefined
  try {
    // the header only: sharp's own pixel limit would misreport a bomb as unreadable
    ;({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata())
  } catch (error) {
    throw fail('SDF_IMAGE_INVALID', `the image cannot be read: ${(error as Error).message}`, {
      cause: error,
    })
  }
  if (!width || !height) throw fail('SDF_IMAGE_INVALID', 'the image has no size')
  if (width * height > maxPixels) {
    throw fail(
      'SDF_IMAGE_TOO_LARGE',
      `the image is ${width} x ${height} = ${width * height} pixels; the limit is ${maxPixels}`,
      { details: { width, height, maxPixels } },
    )
  }
  return { width, height }
}

/**
 * Why the bytes are not a whole image, or undefined: a PNG must be a chain of chunks with
 * valid CRCs ending in IEND, a JPEG must end with EOI, a WebP must be as long as its RIFF
 * header says. Cheap (no decoding), and it catches an answer cut off in transit, which the
 * header alone would not.
 */
export function incomplete(bytes: Buffer, mime: ImageMime): string | undefined {
  if (mime === 'image/png') {
    let at = 8
    while (at + 12 <= bytes.length) {
      const length = bytes.readUInt32BE(at)
      const end = at + 12 + length
      if (end > bytes.length) return `chunk at byte ${at} runs past the end`
      const type = bytes.toString('latin1', at + 4, at + 8)
      if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== bytes.readUInt32BE(end - 4)) {
        return `chunk ${type} at byte ${at} has a bad CRC`
      }
      if (type === 'IEND') return undefined
      at = end
    }
    return 'no IEND chunk'
  }
  if (mime === 'image/jpeg') {
    let end = bytes.length
    while (end > 2 && bytes[end - 1] === 0) end-- // padding after EOI is harmless
    return bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9 ? undefined : 'no end-of-image marker'
  }
  const declared = bytes.length >= 8 ? bytes.readUInt32LE(4) + 8 : 0
  return declared <= bytes.length ? undefined : `RIFF size ${declared} past the end`
}
