import { createDeflate } from 'node:zlib'
import { squarePng } from '../../packages/server/src/server.test-support.js'

/**
 * A side x side RGBA 16-bit PNG of one colour, built row by row (never the whole raw image in
 * memory): the first row unfiltered, every other row filter Up (all zero), so it deflates
 * about 1000:1. 8192 px gives about 520 KB that decode to 512 MiB of pixels.
 */
export async function flatPng16(side: number): Promise<Buffer> {
  const first = Buffer.alloc(1 + side * 8)
  for (let x = 0; x < side; x++) {
    first.writeUInt16BE(0x8000, 1 + x * 8)
    first.writeUInt16BE(0x4000, 3 + x * 8)
    first.writeUInt16BE(0x2000, 5 + x * 8)
    first.writeUInt16BE(0xffff, 7 + x * 8)
  }
  const up = Buffer.alloc(first.length)
  up[0] = 2
  const deflate = createDeflate({ level: 9 })
  const parts: Buffer[] = []
  deflate.on('data', (d: Buffer) => parts.push(d))
  const done = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject))
  const write = (row: Buffer) =>
    deflate.write(row) ? Promise.resolve() : new Promise((r) => deflate.once('drain', r))
  await write(first)
  for (let y = 1; y < side; y++) await write(up)
  deflate.end()
  await done
  return squarePng(side, 16, 6, Buffer.concat(parts)) // 16-bit RGBA
}
