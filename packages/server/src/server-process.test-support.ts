// The server as a child process, for crash tests: `node --conditions=source --import tsx
// packages/server/src/server-process.test-support.ts [main.ts flags]`.
import { describeStartError, main } from './main.js'

main().catch((error: unknown) => {
  process.stderr.write(`${describeStartError(error)}\n`)
  process.exit(1)
})
