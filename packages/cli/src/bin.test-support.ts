// The sdflow command from source, for tests that run it as a process without a build:
// `node --conditions=source --import tsx packages/cli/src/bin.test-support.ts run ...`.
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2))
