import { defineNode } from '@sdflow/engine'
import { fail, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { paramPointer } from './param-pointer.js'

/**
 * An image already in the artifact store, by hash: how an API call's uploaded images enter a
 * run without their bytes living in the workflow document (the A1111 face stores each request
 * image once, then names it here).
 */
export const imageArtifact = defineNode({
  type: 'image.artifact',
  version: 1,
  title: 'Stored image',
  category: 'image',
  description: 'An image already in the artifact store, named by its sha256 hash.',
  params: Type.Object({
    hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the image bytes' }),
  }),
  inputs: {},
  outputs: { image: Socket.Image },
  resource: 'cpu',
  async execute({ params, nodeId, artifacts }) {
    if (!artifacts.has(params.hash)) {
      throw fail('SDF_PATH_NOT_FOUND', `no stored image ${params.hash}`, {
        pointer: paramPointer(nodeId, 'hash'),
      })
    }
    // put() is idempotent for stored bytes and gives back the full reference
    return { image: [await artifacts.put(await artifacts.read(params.hash))] }
  },
})
