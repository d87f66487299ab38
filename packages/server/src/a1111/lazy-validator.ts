import { Ajv, type ValidateFunction } from 'ajv'
import type { FastifyInstance } from 'fastify'

/**
 * Body validators for the A1111 routes, compiled on first use instead of at startup: the A1111
 * request schemas are large, and compiling them all when the server starts made `sdflow serve`
 * start measurably slower for the clients that never call them. Options as fastify's own
 * (pydantic coerces "7" to 7 as well).
 */
export function useLazyValidators(app: FastifyInstance): void {
  const ajv = new Ajv({ allErrors: true, coerceTypes: 'array', strict: false })
  app.setValidatorCompiler(({ schema }) => {
    let compiled: ValidateFunction | undefined
    const validate = (data: unknown): boolean => {
      compiled ??= ajv.compile(schema)
      const ok = compiled(data)
      validate.errors = compiled.errors
      return ok
    }
    validate.errors = undefined as ValidateFunction['errors']
    return validate
  })
}
