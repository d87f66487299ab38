import { Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { defineNode, multi, optional } from './define-node.js'
import { createRegistry } from './registry.js'

const abortable = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })

export const constant = defineNode({
  type: 'test.const',
  version: 1,
  title: 'Constant',
  category: 'test',
  description: 'Outputs its value.',
  params: Type.Object({ value: Type.Number({ default: 1, minimum: -1000, maximum: 1000 }) }),
  inputs: {},
  outputs: { value: Socket.Number },
  async execute({ params }) {
    return { value: params.value }
  },
})

export const add = defineNode({
  type: 'test.add',
  version: 1,
  title: 'Add',
  category: 'test',
  description: 'Adds its inputs.',
  params: Type.Object({}),
  inputs: { a: Socket.Number, b: optional(Socket.Number), more: multi(Socket.Number) },
  outputs: { sum: Socket.Number },
  async execute({ inputs }) {
    return { sum: inputs.a + (inputs.b ?? 0) + inputs.more.reduce((x, y) => x + y, 0) }
  },
})

export const sleep = defineNode({
  type: 'test.sleep',
  version: 1,
  title: 'Sleep',
  category: 'test',
  description: 'Waits, reporting progress, then passes its input on.',
  params: Type.Object({
    ms: Type.Integer({ default: 20, minimum: 0 }),
    steps: Type.Integer({ default: 2, minimum: 1 }),
  }),
  inputs: { value: optional(Socket.Number) },
  outputs: { value: Socket.Number },
  async execute({ params, inputs, signal, progress }) {
    for (let step = 1; step <= params.steps; step++) {
      await abortable(params.ms / params.steps, signal)
      progress({ step, total: params.steps })
    }
    return { value: inputs.value ?? 0 }
  },
})

export const failing = defineNode({
  type: 'test.fail',
  version: 1,
  title: 'Fail',
  category: 'test',
  description: 'Always throws.',
  params: Type.Object({ message: Type.String({ default: 'boom' }) }),
  inputs: { value: optional(Socket.Number) },
  outputs: { value: Socket.Number },
  async execute({ params }): Promise<{ value: number }> {
    throw new Error(params.message)
  },
})

export const random = defineNode({
  type: 'test.random',
  version: 1,
  title: 'Random',
  category: 'test',
  description: 'A fresh number when seed is -1, like A1111.',
  params: Type.Object({ seed: Type.Integer({ default: -1, minimum: -1 }) }),
  inputs: {},
  outputs: { value: Socket.Number },
  nondeterministic: (params) => params.seed === -1,
  async execute({ params }) {
    return { value: params.seed === -1 ? Math.random() : params.seed }
  },
})

export const text = defineNode({
  type: 'test.text',
  version: 1,
  title: 'Text',
  category: 'test',
  description: 'Outputs a string.',
  params: Type.Object({ text: Type.String({ minLength: 1 }) }),
  inputs: {},
  outputs: { text: Socket.String },
  isOutput: true,
  async execute({ params }) {
    return { text: params.text }
  },
})

export const sink = defineNode({
  type: 'test.sink',
  version: 1,
  title: 'Sink',
  category: 'test',
  description: 'An output node that records what it gets.',
  params: Type.Object({}),
  inputs: { value: Socket.Number },
  outputs: { value: Socket.Number },
  isOutput: true,
  async execute({ inputs }) {
    return { value: inputs.value }
  },
})

export const testRegistry = () =>
  createRegistry([constant, add, sleep, failing, random, text, sink])

/** A workflow document around `nodes`; deliberately loose, so tests can build broken ones. */
export const workflow = (nodes: Record<string, object>, extra: object = {}) => ({
  format: 'sdflow.workflow/1',
  name: 'test',
  nodes,
  ...extra,
})
