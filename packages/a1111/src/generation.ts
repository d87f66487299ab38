import type { ArtifactStore } from '@sdflow/engine'
import type { ImageRef } from '@sdflow/protocol'
import { storeBase64 } from './base64.js'
import { badResponse, type FailureSite } from './errors.js'
import { parseResponse, validators } from './parse.js'
import type { GenerationInfo, GenerationResponse } from './schemas/index.js'

/** What a txt2img/img2img call gives back, images already in the artifact store. */
export interface GenerationResult {
  /** Generated images, iteration-major (a1111-api.md §3.3), grid excluded. */
  images: ImageRef[]
  /** ControlNet detected maps (and any other extra image A1111 appended after the batch). */
  detectedMaps: ImageRef[]
  /** The grid image, when A1111 returned one (save_images with several images). */
  grid?: ImageRef
  seeds: number[]
  subseeds: number[]
  /** One per generated image (the grid's own infotext removed). */
  infotexts: string[]
  info: GenerationInfo
  /** `info` as the backend wrote it (Python's JSON: floats as `7.0`). */
  infoText: string
  parameters: Record<string, unknown>
  /** The force_task_id this job ran under. */
  taskId: string
  /** Billed GPU time and queue wait as the backend reports them (RunPod's executionTime, delayTime). */
  timing?: { gpuMs: number; queueMs: number }
}

/**
 * Split A1111's flat image list: [grid?] + generated + extras (ControlNet maps). Generated images
 * are the ones with an infotext; `index_of_first_image` says whether a grid comes first.
 * Each base64 string is decoded once, straight into the artifact store.
 */
export async function readGeneration(
  body: GenerationResponse,
  batch: { batchSize: number; nIter: number },
  artifacts: ArtifactStore,
  site: FailureSite,
  taskId: string,
): Promise<GenerationResult> {
  let parsedInfo: unknown
  try {
    parsedInfo = JSON.parse(body.info)
  } catch (error) {
    throw badResponse(site, 'field /info is not JSON text', { field: '/info' }, error)
  }
  const info = parseResponse(validators.info, parsedInfo, {
    ...site,
    route: `${site.route} (info)`,
  }) as GenerationInfo
  const images = body.images ?? []
  const expected = (info.batch_size ?? batch.batchSize) * batch.nIter
  const first = info.index_of_first_image ?? 0
  const generated = info.infotexts.length - first
  if (images.length === 0) {
    throw badResponse(site, 'answered without images', { field: '/images', expected })
  }
  if (generated < 1 || images.length < first + generated) {
    throw badResponse(
      site,
      `returned ${images.length} images for ${info.infotexts.length} infotexts`,
      { field: '/images', got: images.length, infotexts: info.infotexts.length },
    )
  }
  if (generated > expected) {
    throw badResponse(site, `returned ${generated} generated images, expected ${expected}`, {
      field: '/images',
      got: generated,
      expected,
    })
  }
  const refs: ImageRef[] = []
  for (const [index, text] of images.entries()) {
    refs.push(await storeBase64(artifacts, text, site, `/images/${index}`))
  }
  const result: GenerationResult = {
    images: refs.slice(first, first + generated),
    detectedMaps: refs.slice(first + generated),
    seeds: info.all_seeds,
    subseeds: info.all_subseeds,
    infotexts: info.infotexts.slice(first),
    info,
    infoText: body.info,
    parameters: body.parameters,
    taskId,
  }
  if (first > 0 && refs[0]) result.grid = refs[0]
  return result
}
