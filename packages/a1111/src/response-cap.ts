/**
 * How many bytes an answer carrying `images` images may have: each one a base64 PNG of at
 * most `maxPixels` pixels at its worst (8-bit RGBA stored without compression: 4 bytes a
 * pixel, plus PNG framing, times 4/3 for base64), and 16 MiB for the rest (info, warnings).
 * Anything larger is not an answer an A1111 gives to this request.
 */
export function imageAnswerCap(maxPixels: number, images: number): number {
  const perImage = Math.ceil(maxPixels * 4 * 1.02 * (4 / 3)) + 1024
  return Math.max(1, images) * perImage + 16 * 1024 * 1024
}

/** Images a generation answer may hold: the batch, its grid, one detected map per ControlNet unit. */
export function generationImages(wire: {
  batch_size?: number | null
  n_iter?: number | null
  alwayson_scripts?: unknown
}): number {
  const batch = (wire.batch_size ?? 1) * (wire.n_iter ?? 1)
  const scripts = wire.alwayson_scripts as { controlnet?: { args?: unknown[] } } | undefined
  const units = scripts?.controlnet?.args?.length ?? 0
  return batch + (batch > 1 ? 1 : 0) + units
}
