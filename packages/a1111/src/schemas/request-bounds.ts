/**
 * The bounds of A1111 request fields, defined once: the wire schemas (requests.ts) and the
 * typed node params (packages/nodes common-params.ts) both spread these, so the request sdflow
 * sends meets one set of bounds whether a value came from a typed param or from `extra`.
 *
 * A1111 v1.10.1's API declares no ranges (its request models are generated from the processing
 * classes' signatures, modules/api/models.py); its UI sliders (modules/ui.py) are no limit of
 * the API. So the bounds here are what A1111 itself cannot run (fewer than 1 step, a latent of
 * zero size, a strength outside 0..1) plus resource guards, documented in docs/a1111-fidelity.md.
 * Memory is guarded by the pixel limit (request-check.ts), not by small caps on batch_size.
 */
export const requestBounds = {
  /** 1000: beyond what any sampler needs; a guard against jobs that cannot end in time. */
  steps: { minimum: 1, maximum: 1000 },
  /** 0: "same as steps". */
  hr_second_pass_steps: { minimum: 0, maximum: 1000 },
  /** A1111 accepts any scale; CFG 0 is used (LCM, the guide's 0-6 range). */
  cfg_scale: { minimum: 0, maximum: 100 },
  /** A latent is width/8 x height/8: below 8 it is empty. The area is bounded by pixels. */
  width: { minimum: 8 },
  height: { minimum: 8 },
  /** A batch is in memory at once: bounded by pixels (batch_size x width x height). */
  batch_size: { minimum: 1 },
  /** A1111's own batch-count limit (the UI's `Batch count` slider). */
  n_iter: { minimum: 1, maximum: 100 },
  denoising_strength: { minimum: 0, maximum: 1 },
  subseed_strength: { minimum: 0, maximum: 1 },
  /** The hires target is bounded by pixels. */
  hr_scale: { minimum: 1 },
  hr_resize_x: { minimum: 0 },
  hr_resize_y: { minimum: 0 },
  mask_blur: { minimum: 0 },
  inpaint_full_res_padding: { minimum: 0 },
} as const
