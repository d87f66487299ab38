import { Ajv } from 'ajv'
import { lazyValidator } from '../lazy-validator.js'
import { HealthAnswer, JobAnswer } from './schemas.js'

const ajv = new Ajv({ allErrors: false, strict: false })

export const runpodValidators = {
  job: lazyValidator(() => ajv.compile<JobAnswer>(JobAnswer)),
  health: lazyValidator(() => ajv.compile<HealthAnswer>(HealthAnswer)),
}
