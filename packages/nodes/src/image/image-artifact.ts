import { defineNode } from '@sdflow/engine'
import { fail, type ImageRef, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { paramPointer } from './param-pointer.js'

/**
 * Images already in the artifact store, by hash, as one batch: how an API call's uploaded
 * images enter a run without their bytes living in the workflow document (the A1111 face
 * stores each request image once, then names it here). `mask` gives the same images to a mask
 * input, unchanged (A1111 reads a mask image itself: white, or alpha, is what changes).
 */
export const imageArtifact = defineNode({
  type: 'image.artifact',
  version: 1,
  title: 'Stored images',
  category: 'image',
  description: 'Images already in the artifact store, named by their sha256 hashes, as one batch.',
  params: Type.Object({
    hashes: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), {
      minItems: 1,
      maxItems: 256,
      description: 'sha256 of each image',
    }),
  }),
  inputs: {},
  outputs: {
    image: Socket.Image,
    mask: { kind: Socket.Mask, description: 'the same images, for a mask input' },
  },
  resource: 'cpu',
  async execute({ params, nodeId, artifacts }) {
    const images: ImageRef[] = []
    for (const [i, hash] of params.hashes.entries()) {
      if (!artifacts.has(hash)) {
        throw fail('SDF_PATH_NOT_FOUND', `no stored image ${hash}`, {
          pointer: `${paramPointer(nodeId, 'hashes')}/${i}`,
        })
      }
      // put() is idempotent for stored bytes and gives back the full reference
      images.push(await artifacts.put(await artifacts.read(hash)))
    }
    return { image: images, mask: images }
  },
})
