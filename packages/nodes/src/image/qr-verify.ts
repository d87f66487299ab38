import { defineNode } from '@sdflow/engine'
import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { mapBatch } from './map-batch.js'
import { type ScanResult, verifyStoredQr } from './verify-qr.js'

export const qrVerify = defineNode({
  type: 'image.qr-verify',
  version: 1,
  title: 'Verify QR code',
  category: 'image',
  description:
    'Checks that a picture scans as a QR code the way a phone sees it: at 100%, 50% and 25% size, sharp and lightly blurred, and thresholded (each also inverted), with ZXing-C++ (jsQR as a second opinion on small views). score is the fraction of those seven views that read the right text. An unreadable picture is a result (ok false, score 0), never an error. With a batch, the best-scoring image counts.',
  params: Type.Object({
    expected: Type.String({
      default: '',
      description: 'the text the code must carry ("" = any text that decodes)',
    }),
    min_score: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'fraction of the views that must decode for ok (0 = at least one)',
    }),
  }),
  inputs: { image: Socket.Image },
  outputs: {
    ok: { kind: Socket.Boolean, description: 'decoded, to `expected` when given, at min_score' },
    text: { kind: Socket.String, description: 'the decoded text ("" if none)' },
    score: { kind: Socket.Number, description: 'fraction of the views that decode right' },
  },
  resource: 'cpu',
  // a verdict is something a user looks at: it runs even when no declared output reads it
  isOutput: true,
  async execute({ params, inputs, artifacts, signal, annotate }) {
    const results = await mapBatch(inputs.image, signal, async (ref) =>
      verifyStoredQr(artifacts, ref, {
        expected: params.expected,
        minScore: params.min_score,
        signal,
      }),
    )
    const index = bestIndex(results)
    const best = results[index] ?? { ok: false, text: '', score: 0, variants: [] }
    annotate({
      scan: {
        ok: best.ok,
        text: best.text,
        score: best.score,
        expected: params.expected,
        minScore: params.min_score,
      },
      index,
      variants: best.variants,
    })
    return { ok: best.ok, text: best.text, score: best.score }
  },
})

/** The image that passes with the highest score; the first one on a tie. */
export function bestIndex(results: readonly ScanResult[]): number {
  let best = 0
  results.forEach((r, i) => {
    const current = results[best]
    if (!current) return
    if (Number(r.ok) > Number(current.ok) || (r.ok === current.ok && r.score > current.score)) {
      best = i
    }
  })
  return best
}
