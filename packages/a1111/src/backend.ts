import type { ImageRef } from '@sdflow/protocol'
import type { Catalog } from './catalog.js'
import type { GenerationResult } from './generation.js'
import type {
  ControlnetDetectInput,
  ExtraSingleImageInput,
  Img2ImgInput,
  Txt2ImgInput,
} from './inputs.js'
import type { CallOptions, GenerateOptions, ImageCallOptions } from './options.js'
import type { Timeouts } from './timeouts.js'

/** The backend kinds of `sdflow.config.json` (`type`). */
export const BackendKinds = ['a1111', 'runpod'] as const
export type BackendKind = (typeof BackendKinds)[number]

/** What a node asks a backend to do; `inpaint` is img2img with a mask. */
export const Operations = ['txt2img', 'img2img', 'inpaint', 'extras', 'detect'] as const
export type Operation = (typeof Operations)[number]

export interface Capabilities {
  operations: readonly Operation[]
  /** Whether the backend lists its checkpoints, samplers, ... (else names go unchecked). */
  catalog: boolean
}

/** RunPod's worker counts from `GET /health`. */
export interface Workers {
  idle: number
  running: number
  initializing: number
}

/** What a health probe learnt besides "it answers". */
export interface ProbeResult {
  workers?: Workers
}

/**
 * What the pool and the nodes need from one backend, whatever the transport. Not part of it:
 * progress routes, /options, interrupt; each transport keeps those (the A1111 client exposes
 * them on `A1111Client`).
 */
export interface Backend {
  readonly id: string
  readonly kind: BackendKind
  /** The configured URL, never with credentials. */
  readonly url: string
  readonly timeouts: Timeouts
  readonly capabilities: Capabilities
  txt2img(request: Txt2ImgInput, options: GenerateOptions): Promise<GenerationResult>
  img2img(request: Img2ImgInput, options: GenerateOptions): Promise<GenerationResult>
  extraSingleImage(
    request: ExtraSingleImageInput,
    options: ImageCallOptions,
  ): Promise<{ image: ImageRef; htmlInfo: string }>
  controlnetDetect(
    request: ControlnetDetectInput,
    options: ImageCallOptions,
  ): Promise<{ images: ImageRef[]; poses?: unknown[]; info?: string }>
  /** Health check within timeouts.probeMs; throws the classified failure. */
  probe(options?: CallOptions): Promise<ProbeResult>
  /** The names it offers; only called when `capabilities.catalog`. */
  loadCatalog(options?: CallOptions): Promise<Catalog>
}
