import { describe, expect, it } from 'vitest'
import { scanChecks, scanLine } from './scan-check.js'

describe('scanChecks', () => {
  const types = new Map([
    ['v', 'image.qr-verify'],
    ['t', 'sd.qr-illusion'],
    ['g', 'sd.txt2img'],
  ])

  it('reads the scan meta of finished or cached verify and tune nodes only', () => {
    const checks = scanChecks(
      {
        v: { status: 'cached', meta: { scan: { ok: true, text: 'a', score: 1, expected: '' } } },
        t: { status: 'failed', meta: { scan: { ok: false } } },
        g: { status: 'done', meta: { scan: { ok: false } } },
      },
      types,
    )
    expect(checks).toEqual([{ nodeId: 'v', ok: true, text: 'a', score: 1, expected: '' }])
  })

  it('prints ok with the text, FAILED with what was expected and what was read', () => {
    const base = { nodeId: 'v', text: 'https://example.com', score: 0.8333, expected: '' }
    expect(scanLine({ ...base, ok: true })).toBe('scan: ok "https://example.com" score 0.83')
    expect(scanLine({ ...base, ok: false, text: '', score: 0, expected: 'x' })).toBe(
      'scan: FAILED score 0.00 (expected "x")',
    )
    expect(scanLine({ ...base, ok: false, expected: 'x' }, true)).toBe(
      'scan v: FAILED score 0.83 (expected "x", read "https://example.com")',
    )
    expect(scanLine({ ...base, ok: false, score: 0.1 })).toBe(
      'scan: FAILED score 0.10 (read "https://example.com")',
    )
  })
})
