// Type tests: checked by `tsc -p tsconfig.test.json` (part of npm test); a wrong inference
// fails the build. They lock in what node authors rely on from defineNode.
import type { ControlNetUnit, ImageRef } from '@sdflow/protocol'
import { Type } from 'typebox'
import { expectTypeOf } from 'vitest'
import { defineNode, multi, optional } from './define-node.js'

defineNode({
  type: 'test.types',
  version: 1,
  title: 'Types',
  category: 'test',
  description: 'Every kind of input, inferred.',
  params: Type.Object({
    steps: Type.Integer({ default: 20 }),
    prompt: Type.String(),
    hires: Type.Boolean({ default: false }),
  }),
  inputs: {
    image: 'image',
    mask: optional('mask'),
    controlnet: multi('controlnet'),
    strength: optional('number'),
  },
  outputs: { image: 'image', seeds: 'integer' },
  async execute({ params, inputs }) {
    expectTypeOf(params.steps).toEqualTypeOf<number>()
    expectTypeOf(params.prompt).toEqualTypeOf<string>()
    expectTypeOf(params.hires).toEqualTypeOf<boolean>()
    expectTypeOf(inputs.image).toEqualTypeOf<ImageRef[]>()
    expectTypeOf(inputs.mask).toEqualTypeOf<ImageRef[] | undefined>()
    expectTypeOf(inputs.controlnet).toEqualTypeOf<ControlNetUnit[]>()
    expectTypeOf(inputs.strength).toEqualTypeOf<number | undefined>()
    return { image: inputs.image, seeds: params.steps }
  },
})

defineNode({
  type: 'test.missing-output',
  version: 1,
  title: 'Missing output',
  category: 'test',
  description: 'Forgets an output.',
  params: Type.Object({}),
  inputs: {},
  outputs: { text: 'string', count: 'integer' },
  // @ts-expect-error a declared output missing from the result is a compile error
  async execute() {
    return { text: 'only one' }
  },
})

defineNode({
  type: 'test.wrong-kind',
  version: 1,
  title: 'Wrong kind',
  category: 'test',
  description: 'Returns a string for a number.',
  params: Type.Object({}),
  inputs: {},
  outputs: { count: 'integer' },
  // @ts-expect-error an output of the wrong kind is a compile error
  async execute() {
    return { count: 'three' }
  },
})
