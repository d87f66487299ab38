import { closest } from '@sdflow/engine'
import { type ErrorCode, escapePointerToken } from '@sdflow/protocol'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { type TObject, Type } from 'typebox'
import { lazyValidator } from './lazy-validator.js'
import * as S from './schemas/index.js'

export type RequestKind = 'txt2img' | 'img2img' | 'extra-single-image'

/** One way a request breaks A1111's bounds or sdflow's resource guards; `field` is a pointer. */
export interface RequestProblem {
  code: Extract<ErrorCode, 'SDF_PARAM_OUT_OF_RANGE' | 'SDF_PARAM_INVALID' | 'SDF_PARAM_UNKNOWN'>
  field: string
  message: string
}

export interface RequestLimits {
  /** Pixels one batch may hold at once (the artifact store's pixel limit). */
  maxPixels: number
}

const ajv = new Ajv({ allErrors: true, strict: false })
const schemas: Record<RequestKind, TObject> = {
  txt2img: S.Txt2ImgRequest,
  img2img: S.Img2ImgRequest,
  'extra-single-image': S.ExtraSingleImageRequest,
}
// Partial: a node checks its request before the images are attached
const partial = Object.fromEntries(
  Object.entries(schemas).map(([kind, schema]) => [
    kind,
    lazyValidator(() => ajv.compile(Type.Partial(schema))),
  ]),
) as Record<RequestKind, ValidateFunction>

/** Keys that people put in a request for ControlNet, which A1111 ignores at the top level. */
const controlnetKey = /^(controlnet|control_net|cn)(_|$)|^args$/i

/**
 * Everything wrong with a request as it would be sent, against one schema: A1111's bounds
 * (request-bounds.ts), fields A1111 does not have (it ignores them silently), and the pixel
 * guard (a batch, and a hires target, within `maxPixels`).
 */
export function requestProblems(
  kind: RequestKind,
  request: Record<string, unknown>,
  limits: RequestLimits,
): RequestProblem[] {
  const problems: RequestProblem[] = []
  const known = Object.keys(schemas[kind].properties)
  for (const key of Object.keys(request)) {
    if (known.includes(key)) continue
    problems.push({
      code: 'SDF_PARAM_UNKNOWN',
      field: `/${escapePointerToken(key)}`,
      message: unknownField(kind, key, known),
    })
  }
  const validate = partial[kind]
  if (!validate(request)) {
    for (const error of validate.errors ?? []) problems.push(schemaProblem(error))
  }
  if (problems.length === 0 && kind !== 'extra-single-image') {
    problems.push(...pixelProblems(request, limits))
  }
  return problems
}

function unknownField(kind: RequestKind, key: string, known: string[]): string {
  if (controlnetKey.test(key)) {
    return (
      `"${key}" is no A1111 ${kind} field (A1111 would silently ignore it): ControlNet units ` +
      'come from sd.controlnet-unit nodes linked to the controlnet input'
    )
  }
  const near = closest(key, known, 2).map((n) => `"${n}"`)
  const hint = near.length > 0 ? `; did you mean ${near.join(' or ')}?` : ''
  return `"${key}" is no A1111 ${kind} field (A1111 would silently ignore it)${hint}`
}

function schemaProblem(error: ErrorObject): RequestProblem {
  const field = error.instancePath || '/'
  const name = field.split('/').at(-1) || 'request'
  const range = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].includes(
    error.keyword,
  )
  return {
    code: range ? 'SDF_PARAM_OUT_OF_RANGE' : 'SDF_PARAM_INVALID',
    field,
    message: `${name} ${error.message ?? 'is invalid'}`,
  }
}

const num = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback)

function pixelProblems(request: Record<string, unknown>, limits: RequestLimits): RequestProblem[] {
  const width = num(request.width, 512)
  const height = num(request.height, 512)
  const batch = num(request.batch_size, 1)
  const problems: RequestProblem[] = []
  const guard = (field: string, w: number, h: number, what: string) => {
    const pixels = w * h * batch
    if (pixels <= limits.maxPixels) return
    problems.push({
      code: 'SDF_PARAM_OUT_OF_RANGE',
      field,
      message:
        `${what} ${w} x ${h} x batch_size ${batch} = ${pixels} pixels exceeds the pixel limit ` +
        `${limits.maxPixels} (a batch is in memory at once): lower the size or batch_size`,
    })
  }
  guard(request.width !== undefined ? '/width' : '/batch_size', width, height, 'size')
  if (request.enable_hr === true && problems.length === 0) {
    const [w, h] = hiresTarget(request, width, height)
    guard(
      request.hr_resize_x || request.hr_resize_y ? '/hr_resize_x' : '/hr_scale',
      w,
      h,
      'hires size',
    )
  }
  return problems
}

/** A1 `StableDiffusionProcessingTxt2Img.init`: hr_resize_x/y when set, else size x hr_scale. */
function hiresTarget(request: Record<string, unknown>, width: number, height: number) {
  const rx = num(request.hr_resize_x, 0)
  const ry = num(request.hr_resize_y, 0)
  if (rx === 0 && ry === 0) {
    const scale = num(request.hr_scale, 2)
    return [Math.trunc(width * scale), Math.trunc(height * scale)] as const
  }
  if (rx === 0) return [Math.trunc((ry * width) / height), ry] as const
  if (ry === 0) return [rx, Math.trunc((rx * height) / width)] as const
  return [rx, ry] as const
}
