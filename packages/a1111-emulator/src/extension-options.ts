import type { OptionValue } from './settings.js'

/**
 * Options the extensions A1111 v1.10.1 always loads add to `shared.opts` (keys and defaults):
 * its built-in extensions (extensions-builtin/*) and processing scripts, and sd-webui-controlnet
 * v1.1.455 (scripts/controlnet.py on_ui_settings). HTML-only entries are not options.
 */
export const builtinExtensionOptions: Readonly<Record<string, OptionValue>> = {
  // Lora (extensions-builtin/Lora/scripts/lora_script.py)
  sd_lora: 'None',
  lora_preferred_name: 'Alias from file',
  lora_add_hashes_to_infotext: true,
  lora_bundled_ti_to_infotext: true,
  lora_show_all: false,
  lora_hide_unknown_for_versions: [],
  lora_in_memory_limit: 0,
  lora_not_found_warning_console: false,
  lora_not_found_gradio_warning: false,
  lora_functional: false,
  // canvas-zoom-and-pan (scripts/hotkey_config.py)
  canvas_hotkey_zoom: 'Alt',
  canvas_hotkey_adjust: 'Ctrl',
  canvas_hotkey_shrink_brush: 'Q',
  canvas_hotkey_grow_brush: 'W',
  canvas_hotkey_move: 'F',
  canvas_hotkey_fullscreen: 'S',
  canvas_hotkey_reset: 'R',
  canvas_hotkey_overlap: 'O',
  canvas_show_tooltip: true,
  canvas_auto_expand: true,
  canvas_blur_prompt: false,
  canvas_disabled_functions: ['Overlap'],
  // extra-options-section
  extra_options_txt2img: [],
  extra_options_img2img: [],
  extra_options_cols: 1,
  extra_options_accordion: false,
  // hypertile
  hypertile_enable_unet: false,
  hypertile_enable_unet_secondpass: false,
  hypertile_max_depth_unet: 3,
  hypertile_max_tile_unet: 256,
  hypertile_swap_size_unet: 3,
  hypertile_enable_vae: false,
  hypertile_max_depth_vae: 3,
  hypertile_max_tile_vae: 128,
  hypertile_swap_size_vae: 3,
  // SwinIR and LDSR upscalers
  SWIN_tile: 192,
  SWIN_tile_overlap: 8,
  SWIN_torch_compile: false,
  ldsr_steps: 100,
  ldsr_cached: false,
  // modules/processing_scripts/comments.py
  enable_prompt_comments: true,
}

export const controlNetOptions: Readonly<Record<string, OptionValue>> = {
  control_net_detectedmap_dir: 'detected_maps',
  control_net_models_path: '',
  control_net_modules_path: '',
  control_net_unit_count: 3,
  control_net_model_cache_size: 2,
  control_net_inpaint_blur_sigma: 7,
  control_net_no_detectmap: false,
  control_net_detectmap_autosaving: false,
  control_net_allow_script_control: false,
  control_net_sync_field_args: true,
  controlnet_show_batch_images_in_ui: false,
  controlnet_increment_seed_during_batch: false,
  controlnet_disable_openpose_edit: false,
  controlnet_disable_photopea_edit: false,
  controlnet_photopea_warning: true,
  controlnet_ignore_noninpaint_mask: false,
  controlnet_clip_detector_on_cpu: false,
  controlnet_control_type_dropdown: false,
}
