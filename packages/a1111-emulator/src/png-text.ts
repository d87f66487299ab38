import { inflateSync } from 'node:zlib'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false
  return true
}

/** A `tEXt` chunk when Latin-1 encodable, else an uncompressed `iTXt` (like PIL's add_text). */
export function textChunk(key: string, text: string): Buffer {
  if (isLatin1(text)) {
    return chunk(
      'tEXt',
      Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]),
    )
  }
  return chunk(
    'iTXt',
    Buffer.concat([
      Buffer.from(key, 'latin1'),
      Buffer.from([0, 0, 0, 0, 0]),
      Buffer.from(text, 'utf8'),
    ]),
  )
}

interface RawChunk {
  type: string
  start: number
  end: number
  data: Buffer
}

function* chunks(png: Buffer): Generator<RawChunk> {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) return
  let pos = 8
  while (pos + 12 <= png.length) {
    const length = png.readUInt32BE(pos)
    const type = png.toString('latin1', pos + 4, pos + 8)
    const end = pos + 12 + length
    if (end > png.length) return
    yield { type, start: pos, end, data: png.subarray(pos + 8, pos + 8 + length) }
    pos = end
    if (type === 'IEND') return
  }
}

export function isPng(data: Buffer): boolean {
  return data.length >= 8 && data.subarray(0, 8).equals(PNG_SIGNATURE)
}

/** Inserts text chunks right before the first IDAT chunk. */
export function withPngText(png: Buffer, texts: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(texts)
  if (entries.length === 0) return png
  for (const c of chunks(png)) {
    if (c.type === 'IDAT') {
      const extra = entries.map(([k, v]) => textChunk(k, v))
      return Buffer.concat([png.subarray(0, c.start), ...extra, png.subarray(c.start)])
    }
  }
  return png
}

/** Reads `tEXt`, `zTXt` and `iTXt` chunks in file order. */
export function readPngText(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {}
  for (const c of chunks(png)) {
    const zero = c.data.indexOf(0)
    if (zero < 0) continue
    const key = c.data.toString('latin1', 0, zero)
    try {
      if (c.type === 'tEXt') out[key] = c.data.toString('latin1', zero + 1)
      else if (c.type === 'zTXt')
        out[key] = inflateSync(c.data.subarray(zero + 2)).toString('latin1')
      else if (c.type === 'iTXt') {
        const compressed = c.data[zero + 1] === 1
        const langEnd = c.data.indexOf(0, zero + 3)
        const transEnd = c.data.indexOf(0, langEnd + 1)
        const body = c.data.subarray(transEnd + 1)
        out[key] = (compressed ? inflateSync(body) : body).toString('utf8')
      }
    } catch {
      // A corrupt text chunk is skipped, as PIL does.
    }
  }
  return out
}
