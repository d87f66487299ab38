import { createRequire } from 'node:module'

const M_ARENA_MAX = -8

interface Heap {
  /** Give the allocator's free pages back to the system (malloc_trim). */
  trim(): void
}

let heap: Heap | null | undefined

/**
 * glibc's allocator, where there is one. libvips allocates from every thread sharp runs it on,
 * and glibc gives each thread an arena of its own whose freed pages it keeps: measured, an
 * 8192 px image through image.qr-verify left 120 MB resident after every call, growing with
 * each. Fewer arenas and a trim after big holds give that memory back (sharp's documentation
 * names the same allocator problem). Elsewhere (musl, macOS, Windows) there is nothing to do.
 */
export function glibcHeap(): Heap | undefined {
  if (heap !== undefined) return heap ?? undefined
  heap = null
  if (process.platform !== 'linux') return undefined
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(name: string): { func(signature: string): (...args: number[]) => number }
    }
    const libc = koffi.load('libc.so.6')
    const mallopt = libc.func('int mallopt(int, int)')
    const mallocTrim = libc.func('int malloc_trim(size_t)')
    mallopt(M_ARENA_MAX, 2)
    heap = { trim: () => void mallocTrim(0) }
  } catch {
    // not glibc, or koffi has no build for this platform: the budget still bounds the rest
  }
  return heap ?? undefined
}
