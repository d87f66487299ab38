import { Ajv } from 'ajv'
import { HealthAnswer, JobAnswer } from './schemas.js'

const ajv = new Ajv({ allErrors: false, strict: false })

export const runpodValidators = {
  job: ajv.compile<JobAnswer>(JobAnswer),
  health: ajv.compile<HealthAnswer>(HealthAnswer),
}
