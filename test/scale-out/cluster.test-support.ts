// Real processes for the scale-out tests: redis-server on a free loopback port (stopped by
// pid), `sdflow serve --redis` and `sdflow worker` from source.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const cli = join(repo, 'packages/cli/src/bin.test-support.ts')

export interface Proc {
  process: ChildProcess
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
}

const children = new Set<ChildProcess>()

function launch(
  command: string,
  args: readonly string[],
  ready: RegExp,
): Promise<Proc & { match: RegExpExecArray }> {
  const child = spawn(command, args, {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  children.add(child)
  let out = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      children.delete(child)
      r({ code, signal })
    }),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready: ${out}`)), 90_000)
    const onData = (d: Buffer) => {
      out += String(d)
      const match = ready.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve({ process: child, exited, output: () => out, match })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (d: Buffer) => {
      out += String(d)
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready: ${out}`))
    })
  })
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const address = server.address()
  await new Promise((r) => server.close(r))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface RedisOptions {
  /** appendonly yes + appendfsync always: nothing acknowledged is lost to a SIGKILL. */
  aof?: boolean
  password?: string
}

export interface RedisServer {
  url: string
  port: number
  proc: Proc
  /** SIGKILL (or another signal) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Start again on the same port and folder (AOF replayed when on). */
  restart(): Promise<void>
  close(): Promise<void>
}

/** redis-server bound to 127.0.0.1 on a free port, in the foreground (its pid is ours). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'sdflow-redis-'))
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.aof ? 'yes' : 'no',
    ...(options.aof ? ['--appendfsync', 'always'] : []),
    ...(options.password ? ['--requirepass', options.password] : []),
  ]
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : ''
  const server: RedisServer = {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    proc: await launch('/usr/bin/redis-server', args, /Ready to accept connections/),
    async kill(signal = 'SIGKILL') {
      if (server.proc.process.exitCode === null && server.proc.process.signalCode === null) {
        server.proc.process.kill(signal)
      }
      await server.proc.exited
    },
    async restart() {
      server.proc = await launch('/usr/bin/redis-server', args, /Ready to accept connections/)
    },
    async close() {
      await server.kill('SIGTERM')
      await rm(dir, { recursive: true, force: true })
    },
  }
  return server
}

export interface Coordinator extends Proc {
  url: string
}

/** `sdflow serve --port 0 --redis URL ...` */
export async function startCoordinator(args: readonly string[]): Promise<Coordinator> {
  const proc = await launch(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', cli, 'serve', '--port', '0', '--quiet', ...args],
    /listening on (http:\/\/\S+)/,
  )
  return { ...proc, url: proc.match[1] as string }
}

export interface WorkerProc extends Proc {
  name: string
  line: string
}

/** `sdflow worker ...`, ready once it prints `worker NAME ready: N backends, M slots`. */
export async function startWorkerProcess(args: readonly string[]): Promise<WorkerProc> {
  const proc = await launch(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', cli, 'worker', ...args],
    /worker (\S+) ready: \d+ backends, \d+ slots/,
  )
  return { ...proc, name: proc.match[1] as string, line: proc.match[0] }
}

/** SIGKILL whatever is still running (afterAll). */
export async function killAll(): Promise<void> {
  const left = [...children]
  for (const child of left) child.kill('SIGKILL')
  await Promise.all(
    left.map(
      (c) =>
        new Promise((r) =>
          c.exitCode !== null || c.signalCode !== null ? r(0) : c.once('exit', r),
        ),
    ),
  )
}

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'sdflow-scale-'))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}
