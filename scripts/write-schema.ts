// Writes docs/workflow.schema.json from the TypeBox source; a test fails when it is stale.
import { writeFileSync } from 'node:fs'
import { workflowJsonSchema } from '../packages/protocol/src/json-schema.js'

writeFileSync(new URL('../docs/workflow.schema.json', import.meta.url), workflowJsonSchema())
