import type { PoolCatalog } from '@sdflow/a1111'

/**
 * A1111's list items rebuilt from names, for a pool with no backend of its own to ask: in
 * coordinator mode (`sdflow serve --redis`) the backends live on workers, whose heartbeats
 * carry their catalogs' names. Fields a name cannot tell are A1111's empty values.
 */
export const fromNames = {
  samplers: (c: PoolCatalog) => c.samplers.map((name) => ({ name, aliases: [], options: {} })),
  schedulers: (c: PoolCatalog) =>
    c.schedulers.map((name) => ({
      name,
      label: name,
      aliases: null,
      default_rho: -1,
      need_inner_model: false,
    })),
  sdModels: (c: PoolCatalog) =>
    c.checkpoints.map((title) => {
      const hash = /\s\[([0-9a-f]+)\]$/i.exec(title)?.[1] ?? null
      const filename = hash ? title.slice(0, title.lastIndexOf(' [')) : title
      return {
        title,
        model_name: filename.replace(/\.[^./\\]+$/, ''),
        hash,
        sha256: null,
        filename,
        config: null,
      }
    }),
  upscalers: (c: PoolCatalog) =>
    c.upscalers.map((name) => ({
      name,
      model_name: null,
      model_path: null,
      model_url: null,
      scale: 4,
    })),
  latentUpscaleModes: (c: PoolCatalog) => c.latentUpscaleModes.map((name) => ({ name })),
  controlnetModels: (c: PoolCatalog) => c.controlnetModels,
  controlnetModules: (c: PoolCatalog) => c.controlnetModules,
}
