/** Apply `fn` to each batch element in order, stopping between elements once `signal` aborts. */
export async function mapBatch<T, R>(
  items: readonly T[],
  signal: AbortSignal,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = []
  for (const [index, item] of items.entries()) {
    signal.throwIfAborted()
    out.push(await fn(item, index))
  }
  return out
}

/**
 * The length of a batch made of element-wise pairs: every batch must hold one image (used for
 * every pair) or as many as the longest. Returns the name of the first batch that does not fit.
 */
export function broadcastLength(
  batches: Record<string, readonly unknown[] | undefined>,
): { length: number } | { mismatch: string; length: number } {
  const sizes = Object.entries(batches).flatMap(([name, b]) =>
    b ? [[name, b.length] as const] : [],
  )
  const length = Math.max(0, ...sizes.map(([, n]) => n))
  const bad = sizes.find(([, n]) => n !== 1 && n !== length)
  return bad ? { mismatch: bad[0], length } : { length }
}

/** Element `index` of a batch broadcast to a longer one (a batch of one repeats). */
export function at<T>(batch: readonly T[], index: number): T {
  const item = batch.length === 1 ? batch[0] : batch[index]
  if (item === undefined) throw new Error(`batch of ${batch.length} has no element ${index}`)
  return item
}
