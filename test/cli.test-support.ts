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

/** Resolve with the first match of `pattern` in what a long-running child has printed so far. */
export function printed(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise<RegExpExecArray>((resolve, reject) => {
    let text = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      text += String(chunk)
      const match = pattern.exec(text)
      if (match) resolve(match)
    })
    child.on('exit', () => reject(new Error(`exited before printing ${pattern}`)))
  })
}

/** Start a long-running `sdflow` command and resolve with the URL it prints. */
export async function listening(child: ChildProcess): Promise<string> {
  const match = await printed(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/)
  return match[1] ?? ''
}
