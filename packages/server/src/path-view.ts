import { existsSync, realpathSync } from 'node:fs'
import { resolve, sep } from 'node:path'

/** A folder whose absolute path is never shown: paths under it are shown relative to it. */
export interface PathRoot {
  dir: string
  /** How the folder itself is named in a message ("the output folder"). */
  label: string
}

/** Rewrites serialized answers and events so they name no absolute server path. */
export type PathScrubber = (text: string) => string

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * What leaves the server (JSON answers, error messages, events with their `files`) shows paths
 * relative to their roots: `/srv/out/cat-00001.png` becomes `cat-00001.png`, the bare root its
 * label. Applied to the serialized text, so no field and no message can be forgotten. Nested
 * roots work: the longest match wins.
 */
export function createPathScrubber(roots: readonly PathRoot[]): PathScrubber {
  const forms = new Map<string, string>()
  for (const { dir, label } of roots) {
    const abs = resolve(dir)
    for (const form of [abs, existsSync(abs) ? realpathSync(abs) : abs]) {
      if (form.length > 1 && !forms.has(form)) forms.set(form, label)
    }
  }
  const rules: { pattern: RegExp; label: string }[] = []
  for (const [dir, label] of [...forms].sort((a, b) => b[0].length - a[0].length)) {
    // the raw form and its JSON-escaped form (a backslash or quote in the path)
    for (const text of new Set([dir, JSON.stringify(dir).slice(1, -1)])) {
      const s = escapeRegExp(text)
      rules.push({ pattern: new RegExp(`${s}(?:${escapeRegExp(sep)}|(?![\\w.-]))`, 'g'), label })
    }
  }
  return (text) => {
    let out = text
    for (const { pattern, label } of rules) {
      out = out.replace(pattern, (match) => (match.endsWith(sep) ? '' : label))
    }
    return out
  }
}
