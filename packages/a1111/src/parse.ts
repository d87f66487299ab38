import { fail } from '@sdflow/protocol'
import { Ajv, type ValidateFunction } from 'ajv'
import type { TSchema } from 'typebox'
import { badResponse, type FailureSite } from './errors.js'
import { lazyValidator } from './lazy-validator.js'
import { refuseImageUrls } from './no-urls.js'
import { type RequestKind, requestProblems } from './request-check.js'
import * as S from './schemas/index.js'

const ajv = new Ajv({ allErrors: false, strict: false })

const compile = <T>(schema: TSchema): ValidateFunction<T> =>
  lazyValidator(() => ajv.compile<T>(schema))

/** Every boundary validator, each compiled once, on first use. */
export const validators = {
  generation: compile<S.GenerationResponse>(S.GenerationResponse),
  info: compile<S.GenerationInfo>(S.GenerationInfo),
  extraSingleImage: compile<S.ExtraSingleImageResponse>(S.ExtraSingleImageResponse),
  progress: compile<S.ProgressResponse>(S.ProgressResponse),
  internalProgress: compile<S.InternalProgressResponse>(S.InternalProgressResponse),
  options: compile<S.OptionsResponse>(S.OptionsResponse),
  sdModels: compile<S.SdModel[]>(S.SdModelsResponse),
  samplers: compile<S.Sampler[]>(S.SamplersResponse),
  schedulers: compile<S.Scheduler[]>(S.SchedulersResponse),
  upscalers: compile<S.Upscaler[]>(S.UpscalersResponse),
  latentUpscaleModes: compile<S.LatentUpscaleModesResponse>(S.LatentUpscaleModesResponse),
  controlnetModels: compile<S.ControlnetModelListResponse>(S.ControlnetModelListResponse),
  controlnetModules: compile<S.ControlnetModuleListResponse>(S.ControlnetModuleListResponse),
  controlnetDetect: compile<S.ControlnetDetectResponse>(S.ControlnetDetectResponse),
  txt2imgRequest: compile<S.Txt2ImgRequest>(S.Txt2ImgRequest),
  img2imgRequest: compile<S.Img2ImgRequest>(S.Img2ImgRequest),
  extraSingleImageRequest: compile<S.ExtraSingleImageRequest>(S.ExtraSingleImageRequest),
  controlnetDetectRequest: compile<S.ControlnetDetectRequest>(S.ControlnetDetectRequest),
} as const

function firstError(validate: ValidateFunction): { field: string; message: string } {
  const error = validate.errors?.[0]
  if (!error) return { field: '/', message: 'is invalid' }
  let field = error.instancePath || '/'
  if (error.keyword === 'required') {
    field = `${error.instancePath}/${String(error.params.missingProperty)}`
    return { field, message: 'is missing' }
  }
  return { field, message: error.message ?? 'is invalid' }
}

/** Check a parsed response body; a mismatch is SDF_BACKEND_BAD_RESPONSE naming the field. */
export function parseResponse<T>(
  validate: ValidateFunction<T>,
  value: unknown,
  site: FailureSite,
): T {
  if (validate(value)) return value
  const { field, message } = firstError(validate)
  throw badResponse(site, `unexpected response: field ${field} ${message}`, { field })
}

/**
 * Check a request before sending; a mismatch is the caller's bug (SDF_PARAM_INVALID), and so
 * is an image field holding a URL (the backend would fetch it).
 */
export function checkRequest<T>(validate: ValidateFunction<T>, value: unknown, what: string): T {
  refuseImageUrls(value, what)
  if (validate(value)) return value
  const { field, message } = firstError(validate)
  throw fail('SDF_PARAM_INVALID', `${what} request: field ${field} ${message}`, {
    details: { field },
  })
}

/** The bounds and pixel guard of request-check.ts, on the request as sent: the first problem. */
export function refuseProblems(
  kind: RequestKind,
  request: Record<string, unknown>,
  maxPixels: number,
): void {
  const problem = requestProblems(kind, request, { maxPixels })[0]
  if (!problem) return
  throw fail(problem.code, `${kind} request: ${problem.message}`, {
    details: { field: problem.field },
  })
}
