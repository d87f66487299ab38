import { ExitCode, type Output } from './output.js'

/**
 * Ctrl-C cancels (the signal aborts, `message` says so); a second Ctrl-C quits at once with
 * exit 130. `dispose` gives SIGINT back to Node's default.
 */
export function cancelOnCtrlC(
  output: Output,
  message: string,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(ExitCode.Cancelled)
    output.err(message)
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  return { signal: controller.signal, dispose: () => void process.off('SIGINT', onSigint) }
}
