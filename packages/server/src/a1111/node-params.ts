import type { Registry } from '@sdflow/engine'
import { Ajv, type ValidateFunction } from 'ajv'
import type { TSchema } from 'typebox'
import type { NodeParams } from './to-workflow.js'

/** The registry's node param schemas, each checked by an ajv validator compiled on first use. */
export function nodeParamsOf(registry: Registry<unknown>): NodeParams {
  const ajv = new Ajv({ strict: false })
  const compiled = new WeakMap<TSchema, ValidateFunction>()
  return {
    of: (type) => registry.get(type)?.definition.params.properties ?? {},
    accepts(schema, value) {
      let validate = compiled.get(schema)
      if (!validate) {
        validate = ajv.compile(schema)
        compiled.set(schema, validate)
      }
      return validate(value)
    },
  }
}
