import { describe, expect, it } from 'vitest'
import { solidPng, useEmulator } from './test-support/http.js'

const emu = useEmulator()

async function rawText(path: string, body?: unknown): Promise<string> {
  const init: RequestInit =
    body === undefined
      ? { method: 'GET' }
      : {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        }
  const res = await fetch(`${emu().url}${path}`, init)
  expect(res.status).toBe(200)
  return res.text()
}

describe('float fields are echoed as Python floats (issue 11 item 5)', () => {
  it('txt2img parameters.cfg_scale echoes 7.0, not 7, in the raw JSON', async () => {
    const text = await rawText('/sdapi/v1/txt2img', {
      prompt: 'a cat',
      steps: 2,
      width: 64,
      height: 64,
      cfg_scale: 7,
      subseed_strength: 0,
      eta: 1,
    })
    expect(text).toContain('"cfg_scale":7.0')
    expect(text).toContain('"subseed_strength":0.0')
    expect(text).toContain('"eta":1.0')
    expect(text).toContain('"hr_scale":2.0')
    expect(text).toContain('"steps":2,')
    const info = JSON.parse(text).info as string
    expect(info).toContain('"cfg_scale": 7.0')
  })

  it('img2img parameters.denoising_strength and image_cfg_scale echo 1.0, not 1', async () => {
    const image = await solidPng(64, 64, '#808080')
    const text = await rawText('/sdapi/v1/img2img', {
      prompt: 'a cat',
      steps: 2,
      init_images: [image],
      image_cfg_scale: 1,
      denoising_strength: 1,
    })
    expect(text).toContain('"denoising_strength":1.0')
    expect(text).toContain('"image_cfg_scale":1.0')
    expect(text).toContain('"cfg_scale":7.0')
    expect(text).toContain('"resize_mode":0,')
  })

  it('idle /sdapi/v1/progress gives progress 0.0 and eta_relative 0.0', async () => {
    const text = await rawText('/sdapi/v1/progress')
    expect(text).toContain('"progress":0.0')
    expect(text).toContain('"eta_relative":0.0')
  })
})
