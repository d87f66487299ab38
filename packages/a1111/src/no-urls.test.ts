import { describe, expect, it } from 'vitest'
import { refuseImageUrls } from './no-urls.js'

describe('refuseImageUrls', () => {
  it('refuses an address in any image field, at any depth, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ init_images: ['iVBOR', 'http://10.0.0.1/x.png'] }, '/init_images/1'],
      [{ mask: 'https://example.com/m.png' }, '/mask'],
      [
        { alwayson_scripts: { controlnet: { args: [{ image: 'file:///etc/passwd' }] } } },
        '/alwayson_scripts/controlnet/args/0/image',
      ],
    ]
    for (const [request, field] of cases) {
      expect(() => refuseImageUrls(request, 'img2img')).toThrow(
        expect.objectContaining({
          code: 'SDF_PARAM_INVALID',
          issue: expect.objectContaining({ details: { field } }),
        }),
      )
    }
  })

  it('leaves base64 images and URLs in prompts alone', () => {
    expect(() =>
      refuseImageUrls(
        { prompt: 'a sign saying https://example.com', init_images: ['iVBORw0KGgo='] },
        'x',
      ),
    ).not.toThrow()
  })
})
