import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { floatOptions } from './option-floats.js'
import { get, post, useEmulator } from './test-support/http.js'

const emu = useEmulator()

describe('options as A1111 v1.10.1 has them (modules/shared_options.py)', () => {
  it('GET /sdapi/v1/options carries A1111 option keys with their defaults', async () => {
    const r = await get<Record<string, unknown>>(emu(), '/sdapi/v1/options')
    expect(Object.keys(r.body).length).toBeGreaterThanOrEqual(280)
    expect(r.body).toMatchObject({
      jpeg_quality: 80,
      emphasis: 'Original',
      sd_noise_schedule: 'Default',
      sd3_enable_t5: false,
      lora_in_memory_limit: 0,
      enable_prompt_comments: true,
      img2img_color_correction: false,
      eta_ddim: 0,
      s_noise: 1,
      quicksettings_list: ['sd_model_checkpoint'],
      control_net_unit_count: 3,
    })
  })

  it('writes float options as Python floats: "img_downscale_threshold":4.0, "eta_ddim":0.0', async () => {
    const text = await (await fetch(`${emu().url}/sdapi/v1/options`)).text()
    expect(text).toContain('"img_downscale_threshold":4.0')
    expect(text).toContain('"eta_ddim":0.0')
    expect(text).toContain('"jpeg_quality":80,')
    // the set is every float literal of the default tables
    const literal = /^\s*'?(\w+)'?: -?\d+\.\d+/gm
    const tables = ['default-options.ts', 'extension-options.ts']
      .map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'))
      .join('\n')
    const found = new Set([...tables.matchAll(literal)].map((m) => m[1]))
    expect([...floatOptions].sort()).toEqual([...found].sort())
  })

  it('POST jpeg_quality and img2img_color_correction answers 200, not a KeyError', async () => {
    const r = await post(emu(), '/sdapi/v1/options', {
      jpeg_quality: 95,
      img2img_color_correction: true,
    })
    expect(r.status).toBe(200)
    const after = await get<Record<string, unknown>>(emu(), '/sdapi/v1/options')
    expect(after.body).toMatchObject({ jpeg_quality: 95, img2img_color_correction: true })
    await post(emu(), '/sdapi/v1/options', { jpeg_quality: 80, img2img_color_correction: false })
  })

  it('v1.10.1 keys and extension keys a real client saves POST back with 200', async () => {
    // options a client reads from A1111 v1.10.1 with ControlNet and sends back unchanged
    const real = [
      'save_write_log_csv',
      'DAT_tile',
      'profiling_enable',
      'emphasis',
      'sdxl_clip_l_skip',
      'sd3_enable_t5',
      'auto_vae_precision_bfloat16',
      'overlay_inpaint',
      'fp8_storage',
      'auto_backcompat',
      'extra_networks_tree_view_style',
      'keyedit_delimiters_whitespace',
      'interrupt_after_current',
      'add_vae_hash_to_info',
      'infotext_skip_pasting',
      'prevent_screen_sleep_during_generation',
      'sgm_noise_multiplier',
      'sd_noise_schedule',
      'skip_early_cond',
      'beta_dist_alpha',
      'postprocessing_existing_caption_action',
      'sd_lora',
      'lora_functional',
      'canvas_hotkey_zoom',
      'extra_options_txt2img',
      'hypertile_enable_unet',
      'SWIN_tile',
      'ldsr_steps',
      'enable_prompt_comments',
      'control_net_inpaint_blur_sigma',
      'control_net_sync_field_args',
      'controlnet_control_type_dropdown',
    ]
    const all = (await get<Record<string, unknown>>(emu(), '/sdapi/v1/options')).body
    const back = Object.fromEntries(real.map((k) => [k, all[k]]))
    expect(Object.keys(back).filter((k) => back[k] === undefined)).toEqual([])
    expect((await post(emu(), '/sdapi/v1/options', back)).status).toBe(200)
  })

  it('keys A1111 v1.10.1 no longer has answer its KeyError', async () => {
    for (const gone of ['enable_emphasis', 'k_sched_type']) {
      const r = await post(emu(), '/sdapi/v1/options', { [gone]: true })
      expect(r.status).toBe(500)
      expect(r.body).toMatchObject({ error: 'KeyError' })
    }
  })

  it('an unknown key is still a 500 KeyError', async () => {
    const r = await post(emu(), '/sdapi/v1/options', { no_such_option: 1 })
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({ error: 'KeyError', errors: "'no_such_option'" })
  })
})
