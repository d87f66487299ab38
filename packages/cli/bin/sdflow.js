#!/usr/bin/env node
// The bundle (scripts/bundle-cli.mjs) starts in a fraction of the time the tsc output takes. It
// is used while no package it was made from has been built again since (an edit, then `tsc -b`
// without `npm run build`); otherwise the tsc output runs, so a stale bundle never does.
// SDFLOW_NO_BUNDLE=1 runs the tsc output regardless.
import { readFileSync, statSync } from 'node:fs'

const at = (path) => {
  try {
    return statSync(new URL(path, import.meta.url)).mtimeMs
  } catch {
    return Number.NaN
  }
}

function bundleIsFresh() {
  if (process.env.SDFLOW_NO_BUNDLE === '1') return false
  const made = at('../bundle/main.js')
  if (Number.isNaN(made)) return false
  try {
    const from = JSON.parse(readFileSync(new URL('../bundle/built-from.json', import.meta.url)))
    return from.every((stamp) => !(at(`../bundle/${stamp}`) > made))
  } catch {
    return false
  }
}

const { main } = await import(bundleIsFresh() ? '../bundle/main.js' : '../dist/main.js')
process.exitCode = await main(process.argv.slice(2))
