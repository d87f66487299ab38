import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Binarizer, readBarcodes } from 'zxing-wasm/reader'

const require = createRequire(import.meta.url)
let ready: Promise<typeof import('zxing-wasm/reader')> | undefined
// ImageData's shape; the DOM type itself is not in Node's lib
type Input = Parameters<typeof readBarcodes>[0]

/**
 * ZXing-C++ (WebAssembly) reads QR codes. Its wasm is loaded from the installed package once,
 * on first use: by default zxing-wasm fetches it from a CDN, which sdflow never does. Its
 * JavaScript is imported then too, so commands that read no code (`sdflow validate`, `sdflow
 * nodes`) do not load it. `binarizer` is how it tells dark from light: its local average
 * (default) or a fixed threshold (dark below 128).
 */
export async function readQrZxing(
  rgba: Uint8ClampedArray,
  width: number,
  height: number,
  binarizer: Binarizer = 'LocalAverage',
) {
  // a failed load is tried again on the next read
  ready ??= load().catch((error: unknown) => {
    ready = undefined
    throw error
  })
  const zxing = await ready
  const image = { data: rgba, width, height, colorSpace: 'srgb' } as unknown as Input
  // tryInvert (default) also reads light modules on dark; rotation means nothing to a QR finder
  const found = await zxing.readBarcodes(image, {
    formats: ['QRCode'],
    tryHarder: true,
    tryRotate: false,
    maxNumberOfSymbols: 1,
    binarizer,
  })
  return found.find((r) => r.isValid)?.text ?? ''
}

async function load(): Promise<typeof import('zxing-wasm/reader')> {
  const zxing = await import('zxing-wasm/reader')
  const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
  const wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)
  await zxing.prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })
  return zxing
}
