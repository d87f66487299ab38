import { isPng, readPngText } from '@sdflow/protocol'

/**
 * The workflow a dropped file holds: a PNG written by sdflow (its `sdflow` text chunk is JSON
 * with a `workflow` field), or a workflow JSON file. Returns undefined when there is none.
 */
export function workflowFromFile(bytes: Uint8Array): unknown {
  if (isPlainImage(bytes)) return undefined
  if (isPng(bytes)) {
    const text = readPngText(bytes).sdflow
    if (text === undefined) return undefined
    const meta = JSON.parse(text) as unknown
    if (typeof meta === 'object' && meta !== null && 'workflow' in meta) return meta.workflow
    return undefined
  }
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown
}

/** JPEG or WebP bytes (a PNG is an image too; whether it holds a workflow decides). */
export function isPlainImage(bytes: Uint8Array): boolean {
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
  const webp =
    String.fromCharCode(...bytes.slice(0, 4)) === 'RIFF' &&
    String.fromCharCode(...bytes.slice(8, 12)) === 'WEBP'
  return jpeg || webp
}

/** Whether a dropped file is an image to load (not a workflow). */
export function isImageFile(bytes: Uint8Array): boolean {
  return isPlainImage(bytes) || isPng(bytes)
}
