import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { createArtifactStore } from './artifact-store.js'

const store = () =>
  createArtifactStore({ root: join(mkdtempSync(join(tmpdir(), 'sdflow-art-')), 'a') })
const picture = (format: 'png' | 'jpeg' | 'webp') =>
  sharp({ create: { width: 32, height: 32, channels: 3, background: '#3a7' } })
    [format]()
    .toBuffer()

describe('artifact store checks', () => {
  it.each(['png', 'jpeg', 'webp'] as const)(
    'stores a whole %s and refuses it cut short',
    async (format) => {
      const bytes = await picture(format)
      const artifacts = store()
      await expect(artifacts.put(bytes)).resolves.toMatchObject({ width: 32, height: 32 })
      const cut = bytes.subarray(0, bytes.length - 20)
      await expect(artifacts.put(cut)).rejects.toMatchObject({ code: 'SDF_IMAGE_INVALID' })
    },
  )

  it('refuses a PNG with a damaged chunk', async () => {
    const bytes = Buffer.from(await picture('png'))
    // the last byte of the last chunk's CRC (IEND): the header still reads fine
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff
    await expect(store().put(bytes)).rejects.toMatchObject({
      code: 'SDF_IMAGE_INVALID',
      message: expect.stringMatching(/IEND .* bad CRC/),
    })
  })

  it('reports an image past the pixel limit as too large, from its header alone', async () => {
    const bytes = Buffer.from(await picture('png'))
    // claim 100 000 x 100 000 in IHDR (bytes 16..23); sharp's own limit would call it unreadable
    bytes.writeUInt32BE(100_000, 16)
    bytes.writeUInt32BE(100_000, 20)
    await expect(store().put(bytes)).rejects.toMatchObject({ code: 'SDF_IMAGE_TOO_LARGE' })
  })
})

describe('artifact store reads', () => {
  it('removes an image damaged on disk instead of returning it', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'sdflow-art-')), 'a')
    const ref = await createArtifactStore({ root }).put(await picture('png'))
    const file = createArtifactStore({ root }).path(ref.hash)
    writeFileSync(file, readFileSync(file).subarray(0, 40)) // truncated on disk
    const later = createArtifactStore({ root }) // another process: nothing in memory
    await expect(later.read(ref.hash)).rejects.toMatchObject({ code: 'SDF_ARTIFACT_DAMAGED' })
    expect(existsSync(file)).toBe(false)
    expect(later.has(ref.hash)).toBe(false)
  })
})
