import type { RequestKind } from '@sdflow/a1111'
import { type Issue, issue } from '@sdflow/protocol'
import { checkCatalog } from './catalog-check.js'
import { requestOf } from './request.js'
import { checkRequest } from './request-check.js'
import { splitScheduler } from './sampler-split.js'
import type { NodeServices } from './services.js'

type GenerationParams = Parameters<typeof requestOf>[0] & {
  sampler_name: string
  scheduler: string
}

/**
 * What txt2img, img2img and inpaint check: names against the catalogs (after the scheduler
 * split the request will carry), then the request itself as `generationRequest` builds it.
 */
export function checkGeneration<P extends GenerationParams>(
  kind: RequestKind,
  params: P,
  services: NodeServices,
  at: string,
  omit: readonly string[] = [],
): Issue[] {
  const split = splitScheduler(params.sampler_name, params.scheduler)
  const sent = { ...params, sampler_name: split.sampler_name, scheduler: split.scheduler }
  const issues = checkCatalog(sent, services, at)
  if (split.note) {
    issues.push(
      issue('SDF_PARAM_NORMALIZED', `${at}/sampler_name`, split.note, { severity: 'info' }),
    )
  }
  issues.push(...checkRequest(kind, generationRequest(params, omit), params.extra, services, at))
  return issues
}

/** The A1111 fields of a generation node, scheduler suffix split off: what is sent. */
export function generationRequest<P extends GenerationParams>(
  params: P,
  omit: readonly string[] = [],
): Record<string, unknown> {
  const { sampler_name, scheduler } = splitScheduler(params.sampler_name, params.scheduler)
  return requestOf({ ...params, sampler_name, scheduler }, omit)
}
