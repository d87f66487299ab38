import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // the long reliability cases run with `npm run test:long` (SDFLOW_LONG=1)
    exclude: [
      ...configDefaults.exclude,
      '**/dist/**',
      ...(process.env.SDFLOW_LONG ? [] : ['test/reliability-long/**']),
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
