import { fail } from '@sdflow/protocol'

/** Request fields that carry images (A1111 core and ControlNet), at any depth. */
const imageFields = new Set([
  'init_images',
  'mask',
  'image',
  'images',
  'input_image',
  'mask_image',
  'controlnet_input_images',
  'controlnet_masks',
])

const address = /^\s*[a-z][a-z0-9+.-]*:\/\//i

/**
 * Refuse a request whose image fields hold an address instead of image data. A1111 fetches
 * such URLs itself (`api_enable_requests`), which would let a workflow (through `extra`) make
 * the backend reach hosts on its network: SSRF. sdflow always sends images as base64.
 */
export function refuseImageUrls(value: unknown, what: string, path = ''): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) refuseImageUrls(item, what, `${path}/${i}`)
    return
  }
  if (!value || typeof value !== 'object') return
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}/${key}`
    const values = Array.isArray(inner) ? inner : [inner]
    if (imageFields.has(key)) {
      for (const [i, v] of values.entries()) {
        if (typeof v === 'string' && address.test(v)) {
          const field = Array.isArray(inner) ? `${at}/${i}` : at
          throw fail(
            'SDF_PARAM_INVALID',
            `${what} request: field ${field} is a URL; images go to the backend as data, never as an address for it to fetch`,
            { details: { field } },
          )
        }
      }
    }
    refuseImageUrls(inner, what, at)
  }
}
