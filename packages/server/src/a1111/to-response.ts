import { Img2ImgRequest, Txt2ImgRequest } from '@sdflow/a1111'
import type { ImageRef } from '@sdflow/protocol'
import { floatFields, pythonJson, withPyFloats } from './python-json.js'
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

const FLOATS = { txt2img: floatFields(Txt2ImgRequest), img2img: floatFields(Img2ImgRequest) }

/**
 * The finished run as A1111's answer: `{images, parameters, info}` with `info` as JSON text
 * (the backend's own text when the run kept it), `parameters`' float fields as `PyFloat` (send
 * the answer with `fastapiJson`), or extras' `{html_info, image(s)}`. `base64` holds each image's
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
  const parameters = withPyFloats(body, FLOATS[kind])
  if (kind === 'img2img' && body.include_init_images !== true) {
    parameters.init_images = null
    parameters.mask = null
  }
  const info = node.meta?.info ?? {}
  return {
    images: [...base64],
    parameters,
    info: typeof info === 'string' ? info : pythonJson(info),
  }
}

function refsOf(value: unknown): ImageRef[] {
  return Array.isArray(value) ? (value.filter((v) => isRef(v)) as ImageRef[]) : []
}

function isRef(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'hash' in value && 'mime' in value
}
