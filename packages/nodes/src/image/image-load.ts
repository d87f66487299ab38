import { readFile, stat } from 'node:fs/promises'
import { defineNode, resolveUnder } from '@sdflow/engine'
import { fail, type ImageRef, SdflowError, Socket } from '@sdflow/protocol'
import { Type } from 'typebox'
import { paramPointer } from './param-pointer.js'

/** Files above this are refused before reading; no PNG, JPEG or WebP in the pixel limit is. */
const MAX_FILE_BYTES = 512 * 1024 * 1024

const dataUrl = /^data:image\/[a-z0-9.+-]+;base64,/i
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/

export const imageLoad = defineNode({
  type: 'image.load',
  // 2: the mask output; params are unchanged, and results cached without it are not reused
  version: 2,
  migrate: (_from, params) => params,
  title: 'Load image',
  category: 'image',
  description:
    'Loads one PNG, JPEG or WebP image from a file under the input folder, from base64 text, or from an uploaded image (POST /api/uploads) by its artifact hash; set exactly one of path, base64 and artifact.',
  params: Type.Object({
    path: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'file path relative to the input folder, e.g. "photos/cat.png"',
      }),
    ),
    base64: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'the image as base64, with or without a data:image/...;base64, prefix',
      }),
    ),
    artifact: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description:
          'the sha256 hash of an image in the artifact store: what POST /api/uploads answers, and what image.save records in place of base64',
      }),
    ),
  }),
  inputs: {},
  outputs: {
    image: Socket.Image,
    // as image.artifact's: a painted or uploaded mask enters a run the way an image does
    mask: {
      kind: Socket.Mask,
      description: 'the same image, for a mask input (white = change, as A1111 reads it)',
    },
  },
  resource: 'cpu',
  // the file may change between runs while its path stays the same: always read it again
  nondeterministic: (params) => params.path !== undefined,
  async execute({ params, nodeId, roots, artifacts, signal }) {
    const { path, base64, artifact } = params
    const given = [path, base64, artifact].filter((v) => v !== undefined).length
    if (given > 1) {
      throw fail('SDF_PARAM_INVALID', 'set one of path, base64 and artifact, not several', {
        pointer: paramPointer(nodeId, artifact !== undefined ? 'artifact' : 'base64'),
      })
    }
    if (given === 0) {
      throw fail(
        'SDF_PARAM_MISSING',
        'set path (a file under the input folder), base64, or artifact (an uploaded image)',
        { pointer: paramPointer(nodeId, 'path') },
      )
    }
    if (artifact !== undefined) {
      if (!artifacts.has(artifact)) {
        throw fail(
          'SDF_PARAM_INVALID',
          `no uploaded image ${artifact} in the artifact store; upload it again`,
          {
            pointer: paramPointer(nodeId, 'artifact'),
          },
        )
      }
      const stored = await artifacts.read(artifact)
      signal.throwIfAborted()
      const image = await putAt(
        artifacts.put.bind(artifacts),
        stored,
        paramPointer(nodeId, 'artifact'),
        'the uploaded image',
      )
      return { image: [image], mask: [image] }
    }
    const at = paramPointer(nodeId, path !== undefined ? 'path' : 'base64')
    const bytes =
      path !== undefined ? await readUnder(roots.input, path, at) : decodeBase64(base64 ?? '', at)
    signal.throwIfAborted()
    const source = path !== undefined ? `"${path}"` : 'the base64 data'
    const image = await putAt(artifacts.put.bind(artifacts), bytes, at, source)
    return { image: [image], mask: [image] }
  },
})

async function readUnder(root: string, path: string, at: string): Promise<Buffer> {
  const file = resolveUnder(root, path, at)
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      throw fail('SDF_PATH_NOT_FOUND', `"${path}" does not exist under the input folder ${root}`, {
        pointer: at,
        cause: error,
      })
    }
    throw error
  })
  if (!info.isFile()) {
    throw fail('SDF_PARAM_INVALID', `"${path}" is not a file; give the path of an image file`, {
      pointer: at,
    })
  }
  if (info.size > MAX_FILE_BYTES) {
    throw fail(
      'SDF_IMAGE_TOO_LARGE',
      `"${path}" is ${info.size} bytes; images over ${MAX_FILE_BYTES} bytes are refused`,
      { pointer: at },
    )
  }
  return readFile(file)
}

export function decodeBase64(text: string, at: string): Buffer {
  const body = text.replace(dataUrl, '').replace(/\s+/g, '')
  if (body.length === 0 || !base64Text.test(body)) {
    throw fail(
      'SDF_PARAM_INVALID',
      'base64 is not base64 text; give the image bytes base64-encoded, optionally after a data:image/png;base64, prefix',
      { pointer: at },
    )
  }
  return Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64')
}

/** Store the bytes; an image problem is reported at the param the bytes came from. */
export async function putAt(
  put: (bytes: Buffer) => Promise<ImageRef>,
  bytes: Buffer,
  at: string,
  source: string,
): Promise<ImageRef> {
  try {
    return await put(bytes)
  } catch (error) {
    if (error instanceof SdflowError && !error.issue.pointer) {
      const hint = error.code === 'SDF_IMAGE_INVALID' ? '; give a PNG, JPEG or WebP image' : ''
      throw fail(error.code, `${source}: ${error.message}${hint}`, {
        pointer: at,
        cause: error,
        ...(error.issue.details ? { details: error.issue.details } : {}),
      })
    }
    throw error
  }
}
