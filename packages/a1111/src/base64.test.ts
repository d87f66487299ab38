import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createArtifactStore } from '@sdflow/engine'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { encodeImage, storeBase64 } from './base64.js'

const site = { backend: 'b1', route: 'POST /sdapi/v1/txt2img' }
const store = () => createArtifactStore({ root: mkdtempSync(join(tmpdir(), 'sdflow-b64-')) })
const png = (width = 8) =>
  sharp({ create: { width, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toBuffer()

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Base64 of `bytes` whose unused bits before the padding are set: same bytes, other text. */
function unusualBase64(bytes: Buffer): string {
  const text = bytes.toString('base64')
  const at = text.indexOf('=') - 1
  const flipped = alphabet[alphabet.indexOf(text[at] as string) ^ 1] as string
  return text.slice(0, at) + flipped + text.slice(at + 1)
}

describe('base64 of backend answers', () => {
  it('sends an image that goes straight back as the text the backend sent', async () => {
    const artifacts = store()
    let bytes = await png()
    for (let width = 9; bytes.length % 3 === 0; width++) bytes = await png(width)
    const sent = unusualBase64(bytes)
    expect(sent).not.toBe(bytes.toString('base64'))
    const ref = await storeBase64(artifacts, `data:image/png;base64,${sent}`, site, '/images/0')
    const again = await encodeImage(artifacts, ref)
    expect(again).toBe(sent)
    expect(Buffer.from(again, 'base64').equals(bytes)).toBe(true)
  })

  it('encodes an image it did not receive from the stored bytes', async () => {
    const artifacts = store()
    const bytes = await png()
    const ref = await artifacts.put(bytes)
    expect(await encodeImage(artifacts, ref)).toBe(bytes.toString('base64'))
    // another store never sees this one's texts
    const other = store()
    await other.put(bytes)
    expect(await encodeImage(other, ref)).toBe(bytes.toString('base64'))
  })
})

describe('strict base64 of backend answers', () => {
  it.each([
    ['a URL-safe character', (t: string) => `${t.slice(0, 8)}-${t.slice(9)}`],
    ['a line break', (t: string) => `${t.slice(0, 8)}\n${t.slice(9)}`],
    ['padding inside the text', (t: string) => `${t.slice(0, 8)}=${t.slice(9)}`],
    ['a character of neither alphabet', (t: string) => `${t.slice(0, 8)}!${t.slice(9)}`],
    ['a length that is not a multiple of 4', (t: string) => t.slice(1)],
  ])('refuses an image with %s as SDF_BACKEND_BAD_RESPONSE', async (_, spoil) => {
    const text = spoil((await png()).toString('base64'))
    await expect(storeBase64(store(), text, site, '/images/0')).rejects.toMatchObject({
      code: 'SDF_BACKEND_BAD_RESPONSE',
      message: expect.stringMatching(/\/images\/0 is not valid base64/),
    })
  })
})
