// The A1111 emulator as a process of its own, for the kill-and-restart case:
// `node --conditions=source --import tsx emulator-process.test-support.ts PORT STEP_MS`.
import { startEmulator } from '@sdflow/a1111-emulator'

const [port = '0', stepMs = '20'] = process.argv.slice(2)
const emulator = await startEmulator({ port: Number(port), stepMs: Number(stepMs) })
process.stdout.write(`listening on ${emulator.url}\n`)
