// `sdflow run FILE --server URL` as a process (from source), its output and exit code.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export function followWithCli(
  file: string,
  server: string,
): { exit: Promise<{ code: number | null; output: string }> } {
  const cli = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(root, 'packages/cli/src/bin.test-support.ts'),
      'run',
      file,
      '--server',
      server,
    ],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' } },
  )
  let output = ''
  cli.stdout.on('data', (d) => {
    output += String(d)
  })
  cli.stderr.on('data', (d) => {
    output += String(d)
  })
  return {
    exit: new Promise((resolve) => cli.once('exit', (code) => resolve({ code, output }))),
  }
}
