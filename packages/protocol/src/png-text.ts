/**
 * PNG text chunks (tEXt, iTXt) on plain Uint8Arrays, so the same code reads and writes
 * provenance in Node and in the browser. Compressed chunks (zTXt, compressed iTXt) are read
 * only when the caller passes an `inflate` (Node: zlib.inflateSync); neither A1111 nor sdflow
 * writes them.
 */
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

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

export function isPng(data: Uint8Array): boolean {
  return data.length >= 8 && SIGNATURE.every((b, i) => data[i] === b)
}

interface Chunk {
  type: string
  start: number
  data: Uint8Array
}

function* chunks(png: Uint8Array): Generator<Chunk> {
  if (!isPng(png)) return
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  let pos = 8
  while (pos + 12 <= png.length) {
    const length = view.getUint32(pos)
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8))
    const end = pos + 12 + length
    if (end > png.length) return
    yield { type, start: pos, data: png.subarray(pos + 8, pos + 8 + length) }
    if (type === 'IEND') return
    pos = end
  }
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes)
const isLatin1 = (text: string) => [...text].every((ch) => ch.charCodeAt(0) <= 0xff)

/** Text chunks by keyword, in file order (a later chunk with the same keyword wins). */
export function readPngText(
  png: Uint8Array,
  inflate?: (data: Uint8Array) => Uint8Array,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const chunk of chunks(png)) {
    if (chunk.type !== 'tEXt' && chunk.type !== 'iTXt' && chunk.type !== 'zTXt') continue
    const zero = chunk.data.indexOf(0)
    if (zero <= 0) continue
    const key = latin1(chunk.data.subarray(0, zero))
    try {
      if (chunk.type === 'tEXt') out[key] = decodeLatin1(chunk.data.subarray(zero + 1))
      else if (chunk.type === 'zTXt') {
        if (inflate) out[key] = decodeLatin1(inflate(chunk.data.subarray(zero + 2)))
      } else {
        const compressed = chunk.data[zero + 1] === 1
        const languageEnd = chunk.data.indexOf(0, zero + 3)
        const translatedEnd = chunk.data.indexOf(0, languageEnd + 1)
        if (languageEnd < 0 || translatedEnd < 0 || (compressed && !inflate)) continue
        const body = chunk.data.subarray(translatedEnd + 1)
        out[key] = new TextDecoder().decode(compressed && inflate ? inflate(body) : body)
      }
    } catch {
      // a corrupt text chunk is skipped, as PIL does
    }
  }
  return out
}

function decodeLatin1(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 8192) text += latin1(bytes.subarray(i, i + 8192))
  return text
}

function textChunk(key: string, text: string): Uint8Array {
  const keyBytes = Uint8Array.from(key, (ch) => ch.charCodeAt(0))
  const body = isLatin1(text)
    ? Uint8Array.from(text, (ch) => ch.charCodeAt(0))
    : new TextEncoder().encode(text)
  // tEXt: key 0 text; iTXt: key 0 flag(0) method(0) language 0 translated 0 text
  const header = isLatin1(text) ? [0] : [0, 0, 0, 0, 0]
  const type = isLatin1(text) ? 'tEXt' : 'iTXt'
  const data = new Uint8Array(keyBytes.length + header.length + body.length)
  data.set(keyBytes, 0)
  data.set(header, keyBytes.length)
  data.set(body, keyBytes.length + header.length)
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  out.set(
    Uint8Array.from(type, (ch) => ch.charCodeAt(0)),
    4,
  )
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

/**
 * The PNG with text chunks inserted before its first IDAT; chunks with the same keywords
 * already there are dropped, so writing twice replaces rather than duplicates.
 */
export function withPngText(png: Uint8Array, texts: Readonly<Record<string, string>>): Uint8Array {
  const keys = new Set(Object.keys(texts))
  if (keys.size === 0 || !isPng(png)) return png
  const parts: Uint8Array[] = [png.subarray(0, 8)]
  let inserted = false
  for (const chunk of chunks(png)) {
    const whole = png.subarray(chunk.start, chunk.start + 12 + chunk.data.length)
    if (chunk.type === 'IDAT' && !inserted) {
      for (const [key, text] of Object.entries(texts)) parts.push(textChunk(key, text))
      inserted = true
    }
    const zero = chunk.data.indexOf(0)
    const key = zero > 0 ? latin1(chunk.data.subarray(0, zero)) : ''
    if (
      (chunk.type === 'tEXt' || chunk.type === 'iTXt' || chunk.type === 'zTXt') &&
      keys.has(key)
    ) {
      continue
    }
    parts.push(whole)
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
