// The views a QR verdict looks at, derived from one decode in typed arrays: a libvips pipeline per
// view cost more CPU than the decoders themselves. Indices in the loops are in range by
// construction, hence the non-null assertions.

/** An 8-bit luminance image, one byte a pixel, row by row. */
export interface Grey {
  data: Uint8Array
  width: number
  height: number
}

/**
 * The luminance ZXing-C++ itself takes from RGBA (its RGBToLum weights), so a view derived from
 * it reads exactly as ZXing would read the colour picture.
 */
export function greyOf(rgba: Uint8Array, width: number, height: number): Grey {
  const n = width * height
  const data = new Uint8Array(n)
  // read a pixel as one 32-bit word; a copy when the bytes do not start on a word boundary
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : rgba.slice()
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, n)
  for (let i = 0; i < n; i++) {
    const p = words[i]! // little-endian: R in the low byte
    data[i] = (306 * (p & 0xff) + 601 * ((p >>> 8) & 0xff) + 117 * ((p >>> 16) & 0xff) + 512) >> 10
  }
  return { data, width, height }
}

/** Half size, each pixel the rounded mean of a 2x2 block (an odd last row or column is dropped). */
export function halve(g: Grey): Grey {
  const width = g.width >> 1
  const height = g.height >> 1
  const s = g.data
  const data = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    let a = 2 * y * g.width
    let b = a + g.width
    const row = y * width
    for (let x = 0; x < width; x++, a += 2, b += 2) {
      data[row + x] = (s[a]! + s[a + 1]! + s[b]! + s[b + 1]! + 2) >> 2
    }
  }
  return { data, width, height }
}

/**
 * libvips' integer Gaussian mask (sharp's `blur(sigma)`: amplitudes down to 0.2, times 20,
 * rounded), as its centre and the weights at distance 1 and 2; a sigma needing a wider mask
 * (above about 1.6) is refused, as the blur below reads at most 2 pixels away.
 */
export function gaussMask(sigma: number): [number, number, number] {
  const at = (x: number) => Math.exp(-(x * x) / (2 * sigma * sigma))
  if (at(3) >= 0.2) throw new RangeError(`blur sigma ${sigma} needs a mask wider than 5`)
  // | 0 keeps the weights small integers for V8, so the blur loops multiply integers, not doubles
  const weight = (x: number) => (at(x) >= 0.2 ? Math.round(20 * at(x)) | 0 : 0)
  return [weight(0), weight(1), weight(2)]
}

/** Separable Gaussian blur with `gaussMask(sigma)`, edge pixels repeated, as sharp's blur. */
export function gaussBlur(g: Grey, sigma: number): Grey {
  const [c0, c1, c2] = gaussMask(sigma)
  const sum = c0 + 2 * c1 + 2 * c2
  // divide by sum as a 16-bit fixed-point multiply, rounding to nearest
  const inv = Math.round(65536 / sum) | 0
  const half = 32768
  const { width: w, height: h, data: s } = g
  const rows = new Uint8Array(w * h)
  const data = new Uint8Array(w * h)
  const line = new Uint8Array(w + 4)
  for (let y = 0; y < h; y++) {
    const row = y * w
    line.set(s.subarray(row, row + w), 2)
    line.fill(s[row] ?? 0, 0, 2)
    line.fill(s[row + w - 1] ?? 0, w + 2)
    for (let x = 0; x < w; x++) {
      const v =
        c0 * line[x + 2]! + c1 * (line[x + 1]! + line[x + 3]!) + c2 * (line[x]! + line[x + 4]!)
      rows[row + x] = (v * inv + half) >>> 16
    }
  }
  for (let y = 0; y < h; y++) {
    const m2 = Math.max(0, y - 2) * w
    const m1 = Math.max(0, y - 1) * w
    const z = y * w
    const p1 = Math.min(h - 1, y + 1) * w
    const p2 = Math.min(h - 1, y + 2) * w
    for (let x = 0; x < w; x++) {
      const v =
        c0 * rows[z + x]! +
        c1 * (rows[m1 + x]! + rows[p1 + x]!) +
        c2 * (rows[m2 + x]! + rows[p2 + x]!)
      data[z + x] = (v * inv + half) >>> 16
    }
  }
  return { data, width: w, height: h }
}

/**
 * The grey image as opaque RGBA (what both decoders take), written into the start of `into`,
 * which must hold at least 4 bytes a pixel.
 */
export function rgbaOf(g: Grey, into: Uint8ClampedArray): Uint8ClampedArray {
  const n = g.width * g.height
  const words = new Int32Array(into.buffer, into.byteOffset, n)
  const s = g.data
  // opaque alpha in the high byte; kept a signed 32-bit value so the store stays an integer one
  for (let i = 0; i < n; i++) words[i] = -16777216 | (s[i]! * 0x010101)
  return into.subarray(0, n * 4)
}
