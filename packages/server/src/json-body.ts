import { fail, MAX_JSON_DEPTH, tooDeep } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'

/**
 * The JSON body parser of every route: fastify's own (its error codes for empty and invalid
 * bodies stay, so each API face maps them to its error shape), with `__proto__` and
 * `constructor` keys kept as data, own properties, as a node id or input name may be; then
 * the nesting depth is checked before any schema, structuredClone or handler sees the value.
 */
export function installJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('ignore', 'ignore')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parse(request, typeof body === 'string' ? body : body.toString('utf8'), (error, value) => {
      if (error) return done(error, undefined)
      const at = tooDeep(value)
      if (at === undefined) return done(null, value)
      done(
        fail('SDF_DOC_TOO_DEEP', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, {
          pointer: `/body${at}`,
        }),
        undefined,
      )
    })
  })
}
