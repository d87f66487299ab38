// Runs the named benchmarks (all when none is named) and prints their figures against targets.
import { benchBackends } from './backends.js'
import { benchCliStart } from './cli-start.js'
import { benchDispatch } from './dispatch.js'
import { benchEditor } from './editor.js'
import { benchEngine } from './engine.js'
import { benchGrowth } from './engine-growth.js'
import { benchEvents } from './events.js'
import { benchImages } from './images-rss.js'
import { benchQr } from './qr.js'
import { benchRunpod } from './runpod.js'
import { benchScaleOut } from './scale-out.js'
import { benchServeLoad } from './serve-load.js'

type Figure = {
  name: string
  value: number
  unit: string
  target: number
  higherIsBetter?: boolean
}
const suites: Record<string, () => Promise<Figure[]>> = {
  engine: benchEngine,
  growth: benchGrowth,
  backends: benchBackends,
  editor: benchEditor,
  events: benchEvents,
  'cli-start': benchCliStart,
  'scale-out': benchScaleOut,
  runpod: benchRunpod,
  qr: benchQr,
  images: benchImages,
  dispatch: benchDispatch,
  'serve-load': benchServeLoad,
}

const wanted = process.argv.slice(2)
const names = wanted.length > 0 ? wanted : Object.keys(suites)
let missed = 0
for (const name of names) {
  const suite = suites[name]
  if (!suite) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(suites).join(', ')}`)
  for (const figure of await suite()) {
    const ok = figure.higherIsBetter ? figure.value >= figure.target : figure.value <= figure.target
    if (!ok) missed++
    console.log(
      `${ok ? 'ok  ' : 'MISS'} ${figure.name}: ${figure.value.toFixed(2)} ${figure.unit} (target ${figure.higherIsBetter ? '>=' : '<='} ${figure.target} ${figure.unit})`,
    )
  }
}
process.exitCode = missed > 0 ? 1 : 0
