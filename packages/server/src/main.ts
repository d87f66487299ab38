import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fail, SdflowError } from '@sdflow/protocol'
import { DEFAULT_HOST, DEFAULT_PORT, type ServerOptions } from './options.js'
import { EDITOR_DIST } from './routes/editor.js'
import { type StartedServer, startServer } from './start.js'

/** The flagship example, suggested at start. */
const SUGGESTED_EXAMPLE = 'qr-illusion'

/**
 * `sdflow-server [--host H] [--port P] [--token T] [--data DIR] [--workflows DIR] [--examples DIR]
 * [--out DIR] [--in DIR] [--backend URL]... [--config FILE] [--redis URL] [--concurrency N]
 * [--shutdown-grace MS] [--no-resume]
 * [--quiet] [--verbose]`: listen, print
 * `listening on http://HOST:PORT` and the editor URL of the suggested example, stop cleanly on SIGTERM or SIGINT. SDFLOW_TOKEN may hold
 * the token.
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
): Promise<StartedServer> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string', default: DEFAULT_HOST },
      port: { type: 'string', default: String(DEFAULT_PORT) },
      token: { type: 'string' },
      data: { type: 'string' },
      workflows: { type: 'string' },
      examples: { type: 'string' },
      out: { type: 'string' },
      in: { type: 'string' },
      backend: { type: 'string', multiple: true },
      config: { type: 'string' },
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      'shutdown-grace': { type: 'string' },
      'no-resume': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const options: ServerOptions = {
    host: values.host,
    port: wholeNumber(values.port, '--port', 65535),
    token: values.token ?? process.env.SDFLOW_TOKEN,
    dataDir: values.data,
    workflowsDir: values.workflows,
    examplesDir: values.examples,
    resume: !values['no-resume'],
    // stdout stays readable: warnings and errors only, every request with --verbose
    logger: values.quiet ? false : { level: values.verbose ? 'info' : 'warn' },
    runtimeOptions: {
      backends: 'auto',
      backendUrls: values.backend,
      configFile: values.config,
      redisUrl: values.redis,
      outDir: values.out,
      inDir: values.in,
    },
  }
  if (values.concurrency !== undefined) {
    options.concurrency = Math.max(1, wholeNumber(values.concurrency, '--concurrency'))
  }
  if (values['shutdown-grace'] !== undefined) {
    options.shutdownGraceMs = wholeNumber(values['shutdown-grace'], '--shutdown-grace')
  }
  const server = await startServer(options)
  process.stdout.write(`listening on ${server.url}\n`)
  process.stdout.write(`${await suggestion(server)}\n`)
  const stop = (signal: string) => {
    process.stderr.write(`${signal}: shutting down\n`)
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  return server
}

/** The example the editor suggests opening (its URL), or how to build the editor. */
async function suggestion(server: StartedServer): Promise<string> {
  if (!existsSync(join(EDITOR_DIST, 'index.html'))) {
    return 'no editor built: run `npm run build -w @sdflow/editor` (or `npm start`) and reload'
  }
  const list = await server.app.sdflow.workflows.list().catch(() => [])
  const example = list.find((w) => w.name === SUGGESTED_EXAMPLE) ?? list[0]
  if (!example) return `editor: ${server.url}/`
  return `editor: ${server.url}/?workflow=${encodeURIComponent(example.name)}`
}

function wholeNumber(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw fail('SDF_CLI_USAGE', `${flag} ${text}: expected a whole number from 0 to ${max}`)
  }
  return value
}

export function describeStartError(error: unknown): string {
  if (error instanceof SdflowError) return `${error.code} ${error.issue.pointer} ${error.message}`
  return error instanceof Error ? error.message : String(error)
}
