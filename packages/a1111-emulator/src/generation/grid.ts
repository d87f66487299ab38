import sharp from 'sharp'
import type { RawImage } from '../picture.js'

/** A1 `images.image_grid`: rows = sqrt-ish divisor of the count (option `n_rows` -1). */
export async function composeGrid(images: RawImage[], nRows: number, batchSize: number) {
  const first = images[0]
  if (!first) throw new Error('empty grid')
  let rows: number
  if (nRows > 0) rows = nRows
  else if (nRows === 0) rows = batchSize
  else {
    rows = Math.floor(Math.sqrt(images.length))
    while (images.length % rows !== 0) rows -= 1
  }
  rows = Math.max(1, Math.min(rows, images.length))
  const cols = Math.ceil(images.length / rows)
  const { width: w, height: h } = first
  const tiles = await Promise.all(
    images.map(async (img, i) => ({
      input: await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .resize(w, h, { fit: 'fill' })
        .png({ compressionLevel: 0 })
        .toBuffer(),
      left: (i % cols) * w,
      top: Math.floor(i / cols) * h,
    })),
  )
  const { data, info } = await sharp({
    create: { width: cols * w, height: rows * h, channels: 3, background: '#000000' },
  })
    .composite(tiles)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height } satisfies RawImage
}
