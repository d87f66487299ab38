// What the memory cases of issue 12 read and run, shared by their tests and bench/server-cpu-rss.ts.
import { readFileSync } from 'node:fs'
import { link } from './rig.test-support.js'

/** A /proc/PID/status figure in MB: `VmHWM` (the high-water mark of resident memory), `VmRSS`. */
export function statusMb(pid: number, key: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN)
  return Math.round(kb / 1024)
}

/** Case 11's CPU nodes over the node `big`: two composites (one masked) and mask.from-image. */
export function compositeCase(): Record<string, unknown> {
  const big = link('big')
  return {
    over: { type: 'image.composite', inputs: { base: big, overlay: big } },
    alpha: { type: 'mask.from-image', params: { mode: 'alpha' }, inputs: { image: big } },
    masked: {
      type: 'image.composite',
      params: { blend: 'multiply', opacity: 0.5, x: 64, y: -64 },
      inputs: { base: big, overlay: big, mask: link('alpha', 'mask') },
    },
  }
}
