import { fail, MAX_JSON_DEPTH, tooDeep } from '@sdflow/protocol'
import type { FastifyInstance } from 'fastify'

/**
 * The JSON body parser of every route: plain `JSON.parse` (a `__proto__` or `constructor` key
 * is data, an own property, as a node id or input name may be), then the nesting depth is
 * checked before any schema, structuredClone or handler sees the value.
 */
export function installJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (_request, body: string | Buffer, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8')
      if (text.trim() === '') {
        done(fail('SDF_SERVER_REQUEST_INVALID', 'the JSON body is empty'), undefined)
        return
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        done(
          fail(
            'SDF_SERVER_REQUEST_INVALID',
            `the body is not valid JSON: ${(error as Error).message}`,
            {
              pointer: '/body',
            },
          ),
          undefined,
        )
        return
      }
      const at = tooDeep(value)
      if (at !== undefined) {
        done(
          fail('SDF_DOC_TOO_DEEP', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, {
            pointer: `/body${at}`,
          }),
          undefined,
        )
        return
      }
      done(null, value)
    },
  )
}
