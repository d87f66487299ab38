import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { glibcHeap } from './glibc-heap.js'
import { createLimiter, type Limiter } from './limiter.js'

/**
 * Bytes of decoded pixels that CPU nodes may hold at once, across every run of the process:
 * 320 MiB, two of the largest shares at the pixel limit (a composite, resize, feather or QR
 * verification of an 8192 x 8192 image takes 128 MiB) beside a mask (64 MiB). With the
 * server's own 190-200 MB it keeps `sdflow serve` near 400 MB with six CPU nodes on an image at
 * the pixel limit (docs/reliability.md, case 12.11).
 */
export const DEFAULT_PIXEL_BUDGET = 320 * 1024 * 1024

/**
 * The process-wide pixel budget (a weighted semaphore): a node acquires what it will hold as
 * decoded pixels before it decodes, so two big images queue instead of doubling the peak.
 */
export const pixelBudget: Limiter = createLimiter(DEFAULT_PIXEL_BUDGET)

/**
 * Run `fn` holding `bytes` of the pixel budget; released when it settles. More than the whole
 * budget waits until the budget is free, then runs alone.
 */
export async function withPixels<T>(
  signal: AbortSignal,
  bytes: number,
  fn: () => Promise<T>,
): Promise<T> {
  glibcHeap() // fewer arenas from the first big image on (loaded lazily: the CLI starts without it)
  const release = await pixelBudget.acquire(signal, bytes)
  try {
    return await fn()
  } finally {
    if (bytes >= COLLECT_FROM) collect()
    release()
  }
}

/** Holds from this size give their memory back before the next holder starts. */
const COLLECT_FROM = 32 * 1024 * 1024

let gc: (() => void) | undefined
/**
 * A full garbage collection. Pixels sharp hands to JavaScript live in Buffers that are freed
 * only when V8 collects them, which it may not do for seconds: the next big node would then
 * decode beside the last one's dead pixels and the budget would bound nothing. A collection
 * after a big hold (which took far longer than the collection) makes the release real; so
 * does handing the allocator's freed pages back to the system (glibc-heap.ts).
 */
function collect(): void {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed) gc = exposed
    else {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as () => void
    }
  }
  gc()
  glibcHeap()?.trim()
}

/** Bytes of `width` x `height` pixels of `channels` 8-bit channels. */
export const pixelBytes = (size: { width: number; height: number }, channels = 4): number =>
  size.width * size.height * channels
