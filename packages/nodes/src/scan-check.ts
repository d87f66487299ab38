/** Node types whose result says whether a QR code scans (meta.scan). */
export const SCAN_NODE_TYPES: ReadonlySet<string> = new Set(['image.qr-verify', 'sd.qr-illusion'])

export interface ScanCheck {
  nodeId: string
  ok: boolean
  text: string
  score: number
  expected: string
}

/**
 * The scan verdict of every finished (or cached) image.qr-verify and sd.qr-illusion node of a
 * run, from the `scan` meta they annotate, in node order.
 */
export function scanChecks(
  nodes: Readonly<Record<string, { status: string; meta?: Record<string, unknown> }>>,
  types: ReadonlyMap<string, string>,
): ScanCheck[] {
  const checks: ScanCheck[] = []
  for (const [nodeId, node] of Object.entries(nodes)) {
    if (!SCAN_NODE_TYPES.has(types.get(nodeId) ?? '')) continue
    if (node.status !== 'done' && node.status !== 'cached') continue
    const scan = node.meta?.scan as Partial<ScanCheck> | undefined
    if (!scan || typeof scan !== 'object') continue
    checks.push({
      nodeId,
      ok: scan.ok === true,
      text: typeof scan.text === 'string' ? scan.text : '',
      score: typeof scan.score === 'number' ? scan.score : 0,
      expected: typeof scan.expected === 'string' ? scan.expected : '',
    })
  }
  return checks
}

/** `scan: ok "https://example.com" score 0.83` or `scan: FAILED score 0.00 (expected "...")`. */
export function scanLine(check: ScanCheck, withNode = false): string {
  const head = withNode ? `scan ${check.nodeId}:` : 'scan:'
  const score = `score ${check.score.toFixed(2)}`
  if (check.ok) return `${head} ok ${JSON.stringify(check.text)} ${score}`
  const got = check.text ? `, read ${JSON.stringify(check.text)}` : ''
  const expected = check.expected
    ? ` (expected ${JSON.stringify(check.expected)}${got})`
    : got
      ? ` (${got.slice(2)})`
      : ''
  return `${head} FAILED ${score}${expected}`
}
