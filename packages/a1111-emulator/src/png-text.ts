import { inflateSync } from 'node:zlib'
import * as png from '@sdflow/protocol'

export { crc32, isPng } from '@sdflow/protocol'

/** Text chunks of a PNG, compressed ones included (as PIL reads them for png-info). */
export function readPngText(data: Uint8Array): Record<string, string> {
  return png.readPngText(data, (compressed) => inflateSync(compressed))
}

/** The PNG with text chunks before its first IDAT, as a Buffer for fastify replies. */
export function withPngText(data: Buffer, texts: Readonly<Record<string, string>>): Buffer {
  const out = png.withPngText(data, texts)
  return out === data ? data : Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}
