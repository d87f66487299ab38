import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../../..', import.meta.url))
const script = fileURLToPath(new URL('./server-process.test-support.ts', import.meta.url))

export interface ChildServer {
  process: ChildProcess
  url: string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** What the server wrote to stderr so far. */
  stderr(): string
  /** What the server wrote to stdout so far (its logs). */
  stdout(): string
}

const children = new Set<ChildProcess>()

/**
 * `main.ts` in a child process (`--port 0` is up to the caller); resolves once it prints
 * `listening on URL`. Every child still alive is SIGKILLed by `killChildServers`.
 */
export function startServerProcess(args: readonly string[]): Promise<ChildServer> {
  return startListening(script, args)
}

/** Any TypeScript entry point that prints `listening on URL`, run from the repository root. */
export function startListening(entry: string, args: readonly string[]): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', entry, ...args],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.add(child)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      children.delete(child)
      r({ code, signal })
    }),
  )
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += String(d)
  })
  let out = ''
  return new Promise((resolveChild, rejectChild) => {
    const timer = setTimeout(
      () => rejectChild(new Error(`no listening line; stderr: ${stderr}`)),
      // a loaded 2-core machine takes over 20 s to start tsx, the pool and its probes
      60_000,
    )
    child.stdout?.on('data', (d) => {
      out += String(d)
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolveChild({
          process: child,
          url: m[1],
          exited,
          stderr: () => stderr,
          stdout: () => out,
        })
      }
    })
    void exited.then(({ code }) => {
      clearTimeout(timer)
      rejectChild(new Error(`server exited (${code}) before listening: ${stderr}`))
    })
  })
}

/** SIGKILL every child server still running (afterAll). */
export async function killChildServers(): Promise<void> {
  const left = [...children]
  for (const child of left) child.kill('SIGKILL')
  await Promise.all(
    left.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.once('exit', r)))),
  )
}
