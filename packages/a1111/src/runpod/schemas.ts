import { type Static, Type } from 'typebox'

/** RunPod's serverless answers (a1111-api.md §8). Extra keys are always allowed. */
export const JobStatuses = [
  'IN_QUEUE',
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
] as const
export type JobStatusName = (typeof JobStatuses)[number]

/** `POST /run`, `GET /status/{id}`, `/runsync`: the id, the status, and when done the result. */
export const JobAnswer = Type.Object({
  id: Type.String({ minLength: 1 }),
  status: Type.Enum([...JobStatuses]),
  delayTime: Type.Optional(Type.Number()),
  executionTime: Type.Optional(Type.Number()),
  workerId: Type.Optional(Type.String()),
  output: Type.Optional(Type.Unknown()),
  error: Type.Optional(Type.Unknown()),
})
export type JobAnswer = Static<typeof JobAnswer>

const count = Type.Integer({ minimum: 0 })

/** `GET /health`. */
export const HealthAnswer = Type.Object({
  jobs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  workers: Type.Object({
    idle: Type.Optional(count),
    running: Type.Optional(count),
    initializing: Type.Optional(count),
  }),
})
export type HealthAnswer = Static<typeof HealthAnswer>
