import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const root = new URL('..', import.meta.url).pathname
export const bin = join(root, 'packages/cli/bin/sdflow.js')
export const fixture = (name: string) => join(root, 'test/fixtures/workflows', name)
export const workflow = (name: string) => join(root, 'workflows', name)
export const tmp = (prefix = 'sdflow-cli-') => mkdtempSync(join(tmpdir(), prefix))

export interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the built `sdflow` command as a child process from the repository root. */
export function sdflow(
  args: string[],
  options: { onStdout?: (text: string, child: ChildProcess) => void } = {},
): Promise<Ran> {
  return new Promise<Ran>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
      options.onStdout?.(stdout, child)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.on('close', (code, signal) =>
      resolve({ code, stdout, stderr: signal ? `${stderr}[killed by ${signal}]` : stderr }),
    )
  })
}

/** Start a long-running `sdflow` command and resolve with the URL it prints. */
export function listening(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(String(chunk))
      if (match?.[1]) resolve(match[1])
    })
    child.on('exit', () => reject(new Error('exited before listening')))
  })
}
