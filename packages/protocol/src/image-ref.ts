import { type Static, Type } from 'typebox'

/** A reference to image bytes in the content-addressed artifact store. */
export const ImageRef = Type.Object({
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the encoded bytes' }),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  mime: Type.Union([
    Type.Literal('image/png'),
    Type.Literal('image/jpeg'),
    Type.Literal('image/webp'),
  ]),
})
export type ImageRef = Static<typeof ImageRef>
export type ImageMime = ImageRef['mime']
