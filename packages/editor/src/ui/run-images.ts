import { artifactUrl, type RunEntry, type RunImage } from '../api.js'
import type { LightboxItem } from './lightbox.js'

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
}

/** A run's image as the lightbox shows it: the file it was saved as, else a name from its run. */
export function lightboxItem(run: Pick<RunEntry, 'workflow'>, image: RunImage): LightboxItem {
  const base = image.file?.split('/').pop()
  return {
    url: artifactUrl(image.hash),
    name: base ?? `${run.workflow}-${image.hash.slice(0, 8)}.${EXT[image.mime] ?? 'png'}`,
    width: image.width,
    height: image.height,
    ...(image.seed !== undefined ? { seed: image.seed } : {}),
    ...(image.prompt !== undefined ? { prompt: image.prompt } : {}),
  }
}

/** Every image of the listed runs, newest run first, each hash once. */
export function galleryOf(runs: readonly RunEntry[]): { run: RunEntry; image: RunImage }[] {
  const seen = new Set<string>()
  const out: { run: RunEntry; image: RunImage }[] = []
  for (const run of runs) {
    for (const image of run.images) {
      if (seen.has(image.hash)) continue
      seen.add(image.hash)
      out.push({ run, image })
    }
  }
  return out
}

/** "14:03:22" today, else "2 Dec 14:03". */
export function when(iso: string): string {
  const t = new Date(iso)
  const today = new Date().toDateString() === t.toDateString()
  return today
    ? t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : t.toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })
}

/** How long a run took, from its start to its end. */
export function took(run: Pick<RunEntry, 'startedAt' | 'finishedAt'>): string | undefined {
  if (!run.startedAt || !run.finishedAt) return undefined
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt)
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}
