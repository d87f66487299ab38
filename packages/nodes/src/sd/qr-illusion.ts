import { randomInt } from 'node:crypto'
import { optional } from '@sdflow/engine'
import { fail, issue, pointer, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { backendParams, generationParams, hiresParams } from './common-params.js'
import { generationMeta } from './dispatch.js'
import { checkGeneration } from './generation-check.js'
import { checkOperation } from './operation-check.js'
import {
  type AttemptOutcome,
  candidateOmits,
  type GenerationFields,
  runAttempt,
} from './qr-attempt.js'
import { bestAttempt, createSearch, ladderOf, type Verdict } from './qr-search.js'
import { defineBackendNode } from './services.js'

const MAX_SEED = 4294967294
const { seed: _seed, batch_size: _batch, n_iter: _iter, ...perImage } = generationParams
const Unit = (v: number) => Type.Number({ minimum: 0, maximum: 1, default: v })
const list = (item: ReturnType<typeof Unit>, fallback: number[], description: string) =>
  Type.Array(item, { minItems: 1, maxItems: 16, default: fallback, description })

export const qrIllusion = defineBackendNode({
  type: 'sd.qr-illusion',
  version: 1,
  title: 'QR illusion (tuned)',
  category: 'generate',
  description:
    'Closed loop for QR Code Monster art: generates candidates in parallel across the backends, scans each like a phone (image.qr-verify), steps to stronger control when nothing scans and to weaker control when a code scans too plainly, and keeps the most artistic (weakest) candidate that reaches min_score. Stops at the first good-enough candidate or at the budget; then returns the best attempt with ok false.',
  params: Type.Object({
    ...perImage,
    ...hiresParams,
    model: Type.String({
      minLength: 1,
      default: 'control_v1p_sd15_qrcode_monster',
      'x-catalog': 'controlnetModels',
    }),
    module: Type.String({ default: 'none', 'x-catalog': 'controlnetModules' }),
    control_mode: Type.Union(
      ['Balanced', 'My prompt is more important', 'ControlNet is more important'].map((v) =>
        Type.Literal(v),
      ),
      { default: 'Balanced' },
    ),
    resize_mode: Type.Union(
      ['Just Resize', 'Crop and Resize', 'Resize and Fill'].map((v) => Type.Literal(v)),
      { default: 'Crop and Resize' },
    ),
    pixel_perfect: Type.Boolean({ default: true }),
    weights: Type.Array(Type.Number({ minimum: 0, maximum: 2 }), {
      minItems: 1,
      maxItems: 32,
      default: [1.1, 1.25, 1.4, 1.6],
      description: 'ControlNet weights to search',
    }),
    guidance_starts: list(Unit(0), [0], 'guidance_start values to search'),
    guidance_ends: list(Unit(0.9), [0.9], 'guidance_end values to search'),
    seeds: Type.Array(Type.Integer({ minimum: -1, maximum: MAX_SEED }), {
      minItems: 1,
      maxItems: 64,
      default: [-1],
      description: 'one picture per seed; -1 = a new random seed (fixed for that picture)',
    }),
    expected: Type.String({ default: '', description: 'text the code must carry ("" = any)' }),
    min_score: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'fraction of the phone-like views that must decode (see image.qr-verify)',
    }),
    plain_score: Type.Number({
      minimum: 0,
      maximum: 2,
      default: 1,
      description:
        'a score at or above this is too plain: try weaker control for more art (above 1: never)',
    }),
    init_denoising: Type.Array(Unit(0.75), {
      minItems: 2,
      maxItems: 2,
      default: [0.6, 0.9],
      description:
        'img2img mode (an init image is linked): denoising_strength at the weakest and the strongest control level, in between by control strength, so stronger control also frees more of the picture to carry the code',
    }),
    max_attempts: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
    max_gpu_seconds: Type.Number({
      minimum: 0,
      default: 0,
      description: 'stop starting rounds after this much backend time (0 = no limit)',
    }),
    parallel: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: 0,
      description: 'candidates per round (0 = the slots of the healthy backends)',
    }),
    ...backendParams,
  }),
  inputs: {
    control: { kind: Socket.Image, description: 'the QR code or pattern control image' },
    init: optional(
      Socket.Image,
      'a picture to turn into the code (img2img mode, as the guide calls QR Monster); none: txt2img',
    ),
  },
  outputs: {
    image: { kind: Socket.Image, description: 'the best candidate' },
    score: { kind: Socket.Number, description: 'its scan score' },
    ok: { kind: Socket.Boolean, description: 'whether it reached min_score' },
    report: { kind: Socket.String, description: 'JSON of every attempt' },
  },
  resource: 'backend',
  nondeterministic: (params) => params.seeds.includes(-1),
  check(params, services, at, linked) {
    // the candidates' request, checked as sd.txt2img (or sd.img2img, with an init picture)
    // checks its own: A1111's bounds, the pixel limit, keys of extra; the unit's model and
    // module only against the catalogs
    const operation = linked.includes('init') ? 'img2img' : 'txt2img'
    const checked = { ...fieldsOf(params), model: params.model, module: params.module }
    const omit = [...candidateOmits(operation === 'img2img', params.enable_hr), 'model', 'module']
    const issues = [
      ...checkGeneration(operation, checked, services, at, omit),
      ...checkOperation(operation, params, services, at),
    ]
    if (ladderOf(params.weights, params.guidance_starts, params.guidance_ends).length === 0) {
      issues.push(
        issue(
          'SDF_PARAM_OUT_OF_RANGE',
          `${at}/guidance_starts`,
          'no guidance_start is below a guidance_end: nothing to search',
        ),
      )
    }
    return issues
  },
  async execute(ctx) {
    const { params, inputs } = ctx
    const [control] = inputs.control
    if (!control) throw new Error('empty control image batch')
    const pool = ctx.services.backends
    if (!pool) {
      throw fail(
        'SDF_BACKEND_NONE_AVAILABLE',
        `node "${ctx.nodeId}" needs an A1111 backend and none is configured; pass --backend URL or write sdflow.config.json`,
        { pointer: pointer('nodes', ctx.nodeId) },
      )
    }
    const ladder = ladderOf(params.weights, params.guidance_starts, params.guidance_ends)
    const seeds = params.seeds.map((s) => (s === -1 ? randomInt(0, MAX_SEED) : s))
    const healthy = pool.list().filter((b) => b.health === 'up')
    const parallel =
      params.parallel ||
      Math.max(
        1,
        healthy.reduce((n, b) => n + b.slots, 0),
      )
    const search = createSearch(ladder.length, seeds.length)
    const [low = 0.6, high = 0.9] = params.init_denoising
    const weakest = ladder[0]?.strength ?? 0
    const strongest = ladder.at(-1)?.strength ?? weakest
    const denoisingFor = (strength: number) =>
      strongest === weakest
        ? high
        : Math.round((low + ((high - low) * (strength - weakest)) / (strongest - weakest)) * 1000) /
          1000
    const fields = fieldsOf(params)
    const unit = {
      image: control,
      model: params.model,
      module: params.module,
      control_mode: params.control_mode,
      resize_mode: params.resize_mode,
      pixel_perfect: params.pixel_perfect,
      processor_res: -1,
      threshold_a: -1,
      threshold_b: -1,
    }
    const done: AttemptOutcome[] = []
    let gpuMs = 0
    let finished = 0
    for (let round = 1; !search.done; round++) {
      if (params.max_gpu_seconds > 0 && gpuMs >= params.max_gpu_seconds * 1000) break
      const probes = search.next(Math.min(parallel, params.max_attempts - done.length))
      if (probes.length === 0) break
      const settled = await Promise.allSettled(
        probes.map(async (probe, k) => {
          const level = ladder[probe.level]
          if (!level) throw new Error(`no level ${probe.level}`)
          const init = inputs.init?.[0]
          const outcome = await runAttempt(ctx, {
            ...(init ? { init: { image: init, denoising: denoisingFor(level.strength) } } : {}),
            attempt: done.length + k + 1,
            round,
            level,
            seed: seeds[probe.slot] ?? -1,
            fields,
            unit,
            expected: params.expected,
            minScore: params.min_score,
          })
          const { record } = outcome
          // step counts finished attempts, so it only grows when a round's candidates overlap
          finished++
          ctx.progress({
            step: finished,
            total: params.max_attempts,
            message: `attempt ${record.attempt}: weight ${record.weight}, guidance ${record.guidance_start}-${record.guidance_end}, seed ${record.seed} on ${record.backend}: score ${record.score.toFixed(2)}${record.ok ? ' scans' : ''}`,
          })
          return outcome
        }),
      )
      ctx.signal.throwIfAborted()
      const failure = settled.find((s) => s.status === 'rejected')
      if (failure) throw failure.reason
      settled.forEach((s, k) => {
        const probe = probes[k]
        if (s.status !== 'fulfilled' || !probe) return
        done.push(s.value)
        gpuMs += s.value.record.gpuMs
        search.record(probe, verdictOf(s.value, params.plain_score))
      })
    }
    const best = done[bestAttempt(done.map((o) => o.record))]
    if (!best) throw new Error('no attempt ran')
    const report = done.map((o) => o.record)
    const scan = {
      ok: best.scan.ok,
      text: best.scan.text,
      score: best.scan.score,
      expected: params.expected,
      minScore: params.min_score,
    }
    ctx.annotate({
      ...generationMeta([best.result]),
      scan,
      best: best.record,
      search: report,
      gpuMs,
      gpuByBackend: gpuByBackend(report),
      queueMs: report.reduce((n, r) => n + r.queueMs, 0),
      attempts: done.reduce((n, o) => n + o.tries, 0),
      requests: done.length,
    })
    if (best.record.backend) ctx.useBackend(best.record.backend)
    return {
      image: [best.image],
      score: best.scan.score,
      ok: best.scan.ok,
      report: JSON.stringify(report),
    }
  },
})

function gpuByBackend(report: readonly { backend: string; gpuMs: number }[]) {
  const out: Record<string, number> = {}
  for (const r of report) out[r.backend] = (out[r.backend] ?? 0) + r.gpuMs
  return out
}

function verdictOf(outcome: AttemptOutcome, plainScore: number): Verdict {
  if (!outcome.scan.ok) return 'fails'
  return outcome.scan.score >= plainScore ? 'plain' : 'scans'
}

/** The params that go to txt2img: everything but the search and ControlNet ones. */
function fieldsOf(params: Record<string, unknown> & GenerationFields): GenerationFields {
  const search = new Set([
    'model',
    'module',
    'control_mode',
    'resize_mode',
    'pixel_perfect',
    'weights',
    'guidance_starts',
    'guidance_ends',
    'seeds',
    'expected',
    'min_score',
    'plain_score',
    'max_attempts',
    'max_gpu_seconds',
    'parallel',
    'init_denoising',
  ])
  return Object.fromEntries(
    Object.entries(params).filter(([key]) => !search.has(key)),
  ) as GenerationFields
}
