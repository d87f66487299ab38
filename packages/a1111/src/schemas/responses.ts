import { type Static, type TSchema, Type } from 'typebox'

/** Shapes A1111 answers with (a1111-api.md §1, §3, §6.3). Extra keys are always allowed. */
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** POST txt2img / img2img. `info` is JSON text (parsed separately into GenerationInfo). */
export const GenerationResponse = Type.Object({
  images: Nullable(Type.Array(Type.String())),
  parameters: Type.Record(Type.String(), Type.Unknown()),
  info: Type.String(),
})
export type GenerationResponse = Static<typeof GenerationResponse>

/** The parsed `info` string (a1111-api.md §3.2); only the keys sdflow relies on are required. */
export const GenerationInfo = Type.Object({
  all_seeds: Type.Array(Type.Integer()),
  all_subseeds: Type.Array(Type.Integer()),
  infotexts: Type.Array(Type.String()),
  seed: Type.Optional(Type.Integer()),
  batch_size: Type.Optional(Type.Integer({ minimum: 1 })),
  index_of_first_image: Type.Optional(Type.Integer({ minimum: 0 })),
  sd_model_name: Type.Optional(Nullable(Type.String())),
  sd_model_hash: Type.Optional(Nullable(Type.String())),
  sampler_name: Type.Optional(Nullable(Type.String())),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  version: Type.Optional(Nullable(Type.String())),
})
export type GenerationInfo = Static<typeof GenerationInfo> & Record<string, unknown>

export const ExtraSingleImageResponse = Type.Object({
  html_info: Nullable(Type.String()),
  image: Type.String(),
})
export type ExtraSingleImageResponse = Static<typeof ExtraSingleImageResponse>

/** GET /sdapi/v1/progress (a1111-api.md §1.3). */
export const ProgressResponse = Type.Object({
  progress: Type.Number(),
  eta_relative: Type.Number(),
  state: Type.Object({
    skipped: Type.Optional(Type.Boolean()),
    interrupted: Type.Optional(Type.Boolean()),
    job: Type.Optional(Nullable(Type.String())),
    job_count: Type.Integer(),
    job_timestamp: Type.Optional(Nullable(Type.String())),
    job_no: Type.Integer(),
    sampling_step: Type.Integer(),
    sampling_steps: Type.Integer(),
  }),
  current_image: Nullable(Type.String()),
  textinfo: Nullable(Type.String()),
})
export type ProgressResponse = Static<typeof ProgressResponse>

/** POST /internal/progress (a1111-api.md §1.2). */
export const InternalProgressResponse = Type.Object({
  active: Type.Boolean(),
  queued: Type.Boolean(),
  completed: Type.Boolean(),
  progress: Nullable(Type.Number()),
  eta: Nullable(Type.Number()),
  live_preview: Nullable(Type.String()),
  id_live_preview: Nullable(Type.Integer()),
  textinfo: Nullable(Type.String()),
})
export type InternalProgressResponse = Static<typeof InternalProgressResponse>

export const OptionsResponse = Type.Record(Type.String(), Type.Unknown())
export type OptionsResponse = Static<typeof OptionsResponse>

export const SdModel = Type.Object({
  title: Type.String(),
  model_name: Type.String(),
  hash: Type.Optional(Nullable(Type.String())),
  sha256: Type.Optional(Nullable(Type.String())),
  filename: Type.Optional(Type.String()),
  config: Type.Optional(Nullable(Type.String())),
})
export const SdModelsResponse = Type.Array(SdModel)
export type SdModel = Static<typeof SdModel>

export const Sampler = Type.Object({
  name: Type.String(),
  aliases: Type.Optional(Nullable(Type.Array(Type.String()))),
  options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})
export const SamplersResponse = Type.Array(Sampler)
export type Sampler = Static<typeof Sampler>

export const Scheduler = Type.Object({
  name: Type.String(),
  label: Type.String(),
  aliases: Type.Optional(Nullable(Type.Array(Type.String()))),
  default_rho: Type.Optional(Nullable(Type.Number())),
  need_inner_model: Type.Optional(Nullable(Type.Boolean())),
})
export const SchedulersResponse = Type.Array(Scheduler)
export type Scheduler = Static<typeof Scheduler>

export const Upscaler = Type.Object({
  name: Type.String(),
  model_name: Type.Optional(Nullable(Type.String())),
  model_path: Type.Optional(Nullable(Type.String())),
  model_url: Type.Optional(Nullable(Type.String())),
  scale: Type.Optional(Nullable(Type.Number())),
})
export const UpscalersResponse = Type.Array(Upscaler)
export type Upscaler = Static<typeof Upscaler>

export const LatentUpscaleModesResponse = Type.Array(Type.Object({ name: Type.String() }))
export type LatentUpscaleModesResponse = Static<typeof LatentUpscaleModesResponse>

export const ControlnetModelListResponse = Type.Object({ model_list: Type.Array(Type.String()) })
export type ControlnetModelListResponse = Static<typeof ControlnetModelListResponse>

export const ControlnetModuleListResponse = Type.Object({
  module_list: Type.Array(Type.String()),
  module_detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})
export type ControlnetModuleListResponse = Static<typeof ControlnetModuleListResponse>

export const ControlnetDetectResponse = Type.Object({
  info: Type.Optional(Type.String()),
  images: Type.Optional(Type.Array(Type.String())),
  poses: Type.Optional(Type.Array(Type.Unknown())),
  tensor: Type.Optional(Type.Array(Type.String())),
})
export type ControlnetDetectResponse = Static<typeof ControlnetDetectResponse>
