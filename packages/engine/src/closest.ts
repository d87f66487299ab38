/**
 * The candidates nearest to `name` by edit distance, best first. Case is ignored for the
 * distance and names that differ only in case count once (the closer spelling wins).
 */
export function closest(name: string, candidates: readonly string[], limit = 3): string[] {
  const target = name.toLowerCase()
  const seen = new Set<string>()
  const near: string[] = []
  const ranked = candidates
    .map((c) => ({ c, d: distance(target, c.toLowerCase()), exact: distance(name, c) }))
    .filter(
      ({ c, d }) => d <= Math.max(2, Math.floor(c.length / 2)) || c.toLowerCase().includes(target),
    )
    .sort((a, b) => a.d - b.d || a.exact - b.exact)
  for (const { c } of ranked) {
    if (near.length === limit) break
    if (seen.has(c.toLowerCase())) continue
    seen.add(c.toLowerCase())
    near.push(c)
  }
  return near
}

export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = closest(name, candidates, 2).map((n) => `"${n}"`)
  return near.length > 0 ? `; did you mean ${near.join(' or ')}?` : ''
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost))
    }
    prev = row
  }
  return prev[b.length] ?? 0
}
