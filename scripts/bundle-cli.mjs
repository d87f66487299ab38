// Bundles the sdflow command into packages/cli/bundle/ so it starts quickly: one graph of a few
// files instead of some 600 modules resolved and loaded one by one. Input is the tsc output
// (packages/*/dist), so run after `tsc -b`; bin/sdflow.js falls back to dist when a package was
// built after the bundle. esbuild is the one the lockfile already has (tsx, vite): nothing is
// downloaded.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { _, Ajv } from 'ajv'
import standaloneCode from 'ajv/dist/standalone/index.js'
import addFormats from 'ajv-formats'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'packages/cli/bundle')

// Pure JavaScript without files of their own: safe to inline. Every other package (native
// addons such as sharp and better-sqlite3, packages that read files beside their code such as
// @fastify/swagger-ui) stays a normal import from node_modules.
const inline = new Set([
  'ajv',
  'ajv-formats',
  'typebox',
  'fast-uri',
  'json-schema-traverse',
  'fast-deep-equal',
])

// Loaded on first use instead of at start: sharp loads a native addon and some 40 CommonJS files
// (a third of the start of `sdflow nodes`), jsqr and qrcode build themselves when imported; and
// validate, nodes and inspect never touch a pixel or a code. Every import of these in the code
// base is the default export, called or read as a property, which is what the proxy forwards.
const lazy = new Set(['sharp', 'jsqr', 'qrcode'])
const lazyModule = (name) => `import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
let real
const load = () => (real ??= require(${JSON.stringify(name)}))
export default new Proxy(function lazy() {}, {
  apply: (_target, self, args) => Reflect.apply(load(), self, args),
  construct: (_target, args) => Reflect.construct(load(), args),
  get: (_target, key) => load()[key],
  has: (_target, key) => key in load(),
})
`

// The validators the CLI would compile at start, generated here instead (ajv's standalone code,
// with the engine's own settings and formats): the workflow document's two shape schemas and
// every node type's params. They replace the engine's empty `precompiled` map, keyed by each
// schema's JSON text, so a schema edited since is not matched and is compiled as before.
const dist = (path) => import(pathToFileURL(join(root, 'packages', path)).href)
const precompiledModule = join(root, 'packages/engine/dist/precompiled.js')
async function precompiled() {
  const { ajvOptions, paramsSchema } = await dist('engine/dist/params.js')
  const { shapeSchemas } = await dist('engine/dist/document-shape.js')
  const { createNodeRegistry } = await dist('nodes/dist/index.js')
  const registry = createNodeRegistry()
  const shape = shapeSchemas()
  const schemas = [
    shape.passes,
    shape.reports,
    ...registry.types().map((t) => paramsSchema(registry.get(t).definition.params)),
  ]
  const ajv = new Ajv({
    ...ajvOptions,
    code: { source: true, esm: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  })
  addFormats.default(ajv)
  const keys = [...new Set(schemas.map((schema) => JSON.stringify(schema)))]
  for (const [i, key] of keys.entries()) ajv.addSchema(JSON.parse(key), `v${i}`)
  const code = standaloneCode.default(
    ajv,
    Object.fromEntries(keys.map((_key, i) => [`v${i}`, `v${i}`])),
  )
  const entries = keys.map((key, i) => `[${JSON.stringify(key)}, v${i}]`).join(',\n')
  return `${code}\nexport const precompiled = new Map([${entries}])\n`
}

const packageOf = (spec) =>
  (spec.startsWith('@') ? spec.split('/').slice(0, 2) : spec.split('/', 1)).join('/')

const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^(sharp|jsqr|qrcode)$/ }, (args) =>
      lazy.has(args.path) && args.namespace !== 'lazy'
        ? { path: args.path, namespace: 'lazy' }
        : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: lazyModule(args.path),
      loader: 'js',
      resolveDir: root,
    }))
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true }
      const name = packageOf(args.path)
      if (name.startsWith('@sdflow/') || inline.has(name)) return undefined
      return { external: true }
    })
    b.onLoad({ filter: /[\\/]precompiled\.js$/ }, async (args) =>
      args.path === precompiledModule
        ? { contents: await precompiled(), loader: 'js', resolveDir: root }
        : undefined,
    )
    // code that finds files beside itself (the server's editor/dist) keeps its own location
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes('import.meta.url')) return undefined
      const from = relative(out, args.path).split('\\').join('/')
      const own = `new URL(${JSON.stringify(from)}, import.meta.url).href`
      return {
        contents: source.replaceAll('import.meta.url', own),
        loader: 'js',
        resolveDir: dirname(args.path),
      }
    })
  },
}

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const result = await build({
  entryPoints: { main: join(root, 'packages/cli/dist/main.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  // less to parse at every start; names stay readable in stack traces
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS code inlined into ESM (ajv) calls require for Node built-ins
  banner: {
    js: "import { createRequire as __sdflowRequire } from 'node:module'; const require = __sdflowRequire(import.meta.url);",
  },
  plugins: [externals],
})

// which builds the bundle was made from: bin/sdflow.js uses the bundle only while none is newer
const packages = new Set()
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /(?:^|\/)packages\/([^/]+)\/dist\//.exec(input)
  if (match) packages.add(match[1])
}
const stamps = [...packages].sort().map((p) => `../../${p}/tsconfig.tsbuildinfo`)
writeFileSync(join(out, 'built-from.json'), `${JSON.stringify(stamps, null, 2)}\n`)
console.log(`bundled sdflow into ${relative(root, out)} (${packages.size} packages)`)
