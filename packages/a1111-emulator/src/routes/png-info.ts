import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { field, parseModel, requireField } from '../fields.js'
import { decodeInputBytes } from '../image-io.js'
import { parseInfotext } from '../infotext.js'
import { readPngText } from '../png-text.js'

const pngInfoModel = { image: field.str(null) }

export function pngInfoRoute(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/sdapi/v1/png-info', async (request) => {
    requireField(request.body, 'image')
    const req = parseModel(request.body, pngInfoModel)
    // A1111 decodes even an empty string, which fails as any undecodable image does (500)
    const bytes = await decodeInputBytes((req.image ?? '').trim(), {
      allowRequests: ctx.settings.bool('api_enable_requests'),
      forbidLocal: ctx.settings.bool('api_forbid_local_requests'),
      signal: ctx.shutdown,
    })
    const texts = readPngText(bytes)
    const { parameters: info = '', ...items } = texts
    return { info, items, parameters: parseInfotext(info) }
  })
}
