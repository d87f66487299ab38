import type { ImageRef } from '@sdflow/protocol'
import type { A1111Kind } from './to-workflow.js'

/** What the response needs of the finished gateway node. */
export interface FinishedNode {
  outputs?: Record<string, unknown>
  meta?: Record<string, unknown>
}

/** The images an answer carries, in A1111's order: generated, then ControlNet's maps. */
export function answerImages(kind: A1111Kind, body: Record<string, unknown>, node: FinishedNode) {
  const generated = refsOf(node.outputs?.image)
  if (kind !== 'txt2img' && kind !== 'img2img') return generated
  if (body.send_images === false) return []
  return [...generated, ...refsOf(node.meta?.detectedMaps)]
}

/**
 * The finished run as A1111's answer: `{images, parameters, info}` with `info` as JSON text
 * (Python's separators), or extras' `{html_info, image(s)}`. `base64` holds each image's
 * bytes as base64, in `answerImages` order.
 */
export function toResponse(
  kind: A1111Kind,
  body: Record<string, unknown>,
  node: FinishedNode,
  base64: readonly string[],
): Record<string, unknown> {
  const htmlInfo = typeof node.meta?.htmlInfo === 'string' ? node.meta.htmlInfo : ''
  if (kind === 'extra-single-image') return { html_info: htmlInfo, image: base64[0] ?? '' }
  if (kind === 'extra-batch-images') return { html_info: htmlInfo, images: [...base64] }
  const parameters: Record<string, unknown> = { ...body }
  if (kind === 'img2img' && body.include_init_images !== true) {
    parameters.init_images = null
    parameters.mask = null
  }
  const info = node.meta?.info ?? {}
  return { images: [...base64], parameters, info: pythonJson(info) }
}

function refsOf(value: unknown): ImageRef[] {
  return Array.isArray(value) ? (value.filter((v) => isRef(v)) as ImageRef[]) : []
}

function isRef(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'hash' in value && 'mime' in value
}

/** `json.dumps` as A1111 writes `info`: `", "` and `": "` separators, non-ASCII as \uXXXX. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${asciiString(k)}: ${pythonJson(v)}`).join(', ')}}`
  }
  if (typeof value === 'string') return asciiString(value)
  return JSON.stringify(value)
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
