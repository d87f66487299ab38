import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createPool } from '@sdflow/a1111'
import type { Logger } from '@sdflow/engine'
import { createNodeRegistry } from '@sdflow/nodes'
import { fail } from '@sdflow/protocol'
import { createHttpArtifactStore, redactUrl, startWorker } from '@sdflow/queue'
import { configured } from '@sdflow/server/runtime'
import { usage } from '../args.js'
import { ExitCode, type Output } from '../output.js'

export const workerHelp = `sdflow worker --redis URL --server URL [--token T] [--backend URL]... [--config FILE]
              [--concurrency N] [--name NAME]
  Scale-out: pull node jobs from Redis (BullMQ) and run them on this machine's backends.
  Images come from and go to the coordinator (\`sdflow serve --redis URL\`) over HTTP; only
  the job, never a picture or a backend credential, goes through Redis. Prints
  "worker NAME ready: N backends, M slots".
  --redis URL       the coordinator's Redis, e.g. redis://:password@10.0.0.1:6379
  --server URL      the coordinator, e.g. http://10.0.0.1:7870
  --token T         the coordinator's token (or SDFLOW_TOKEN)
  --backend URL     an A1111 backend of this worker (repeatable); or --config FILE
  --concurrency N   jobs at once (default: the backends' slots)
  --name NAME       shown in \`sdflow workers\` (default HOST-PID)`

export async function workerCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        redis: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
        backend: { type: 'string', multiple: true },
        config: { type: 'string' },
        concurrency: { type: 'string' },
        name: { type: 'string' },
      },
    }),
  )
  if (positionals.length > 0 || !values.redis || !values.server) {
    throw fail('SDF_CLI_USAGE', `sdflow worker needs --redis URL and --server URL\n\n${workerHelp}`)
  }
  const name = values.name ?? `${hostname()}-${process.pid}`
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw fail('SDF_CLI_USAGE', `--name ${name}: letters, digits, ".", "_" or "-", at most 64`)
  }
  const concurrency = values.concurrency === undefined ? undefined : count(values.concurrency)
  const { backends, pool: settings } = await configured({
    backendUrls: values.backend,
    configFile: values.config,
  })
  if (backends.length === 0) {
    throw fail('SDF_CLI_USAGE', 'a worker needs backends: --backend URL or --config FILE')
  }
  const log = stderrLogger(output)
  const pool = createPool({ ...settings, backends, log })
  await pool.start()
  const artifacts = createHttpArtifactStore({
    serverUrl: values.server,
    token: values.token ?? process.env.SDFLOW_TOKEN,
    log,
  })
  const worker = await startWorker({
    redisUrl: values.redis,
    name,
    env: {
      registry: createNodeRegistry(),
      services: { backends: pool },
      artifacts,
      // no node that touches files is ever sent to a worker; these are never read
      roots: {
        input: join(tmpdir(), 'sdflow-worker-in'),
        output: join(tmpdir(), 'sdflow-worker-out'),
      },
      log,
    },
    pool,
    concurrency,
  })
  output.out(`worker ${worker.name} ready: ${worker.backends} backends, ${worker.slots} slots`)
  output.err(`pulling jobs from ${redactUrl(values.redis)} for ${values.server}`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  await worker.close()
  await pool.close()
  return ExitCode.Ok
}

function count(text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) {
    throw fail('SDF_CLI_USAGE', `--concurrency ${text}: expected a whole number of at least 1`)
  }
  return value
}

/** Warnings and errors on stderr, one line each; never a URL's password (redactUrl). */
function stderrLogger(output: Output): Logger {
  const line = (level: string) => (msg: string, data?: Record<string, unknown>) =>
    output.err(`${level} ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`)
  return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') }
}
