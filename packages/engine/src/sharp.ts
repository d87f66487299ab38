import sharpModule, { type Sharp, type SharpInput, type SharpOptions } from 'sharp'

let configured = false

/**
 * sharp with this process's libvips settings, applied by the first call instead of at import:
 * a command that never touches a pixel (`sdflow validate`, `sdflow nodes`) then never loads
 * sharp's native addon and its 60 CommonJS files (the CLI bundle loads it on first use). Every
 * pipeline of the engine, the nodes and the queue starts here, so none runs before the settings.
 */
export function sharp(options: SharpOptions): Sharp
export function sharp(input: SharpInput, options?: SharpOptions): Sharp
export function sharp(input: SharpInput | SharpOptions, options?: SharpOptions): Sharp {
  if (!configured) {
    // libvips' operation cache keeps results of recent operations (up to 50 MB by default) for
    // pipelines that are never repeated here: every node decodes its own artifacts once
    sharpModule.cache(false)
    configured = true
  }
  return sharpModule(input as SharpInput, options)
}
