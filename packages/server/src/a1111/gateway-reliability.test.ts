import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../server.test-support.js'
import { basic, type Gateway, getJson, postJson, startGateway } from './face.test-support.js'

const alice = { authorization: basic('alice') }
const bob = { authorization: basic('bob') }

/** The emulator (index) whose own /progress shows a job running now. */
async function busyEmulator(g: Gateway): Promise<number | undefined> {
  for (const [i, e] of g.emulators.entries()) {
    const p = (await getJson(`${e.url}/sdapi/v1/progress?skip_current_image=true`)).body
    if (p.state.job_count > 0 && p.state.sampling_step > 0) return i
  }
  return undefined
}

describe('two callers at once', () => {
  let g: Gateway
  beforeAll(async () => {
    g = await startGateway({ stepMs: 20 })
  })
  afterAll(async () => g.close())

  it("each sees its own progress; one's interrupt leaves the other's job alone", async () => {
    const job = (headers: Record<string, string>, steps: number) =>
      postJson(`${g.url}/sdapi/v1/txt2img`, { prompt: 'x', steps, width: 64, height: 64 }, headers)
    const aliceJob = job(alice, 140)
    const bobJob = job(bob, 100)
    const running = (headers: Record<string, string>, steps: number) =>
      waitFor(async () => {
        const p = (await getJson(`${g.url}/sdapi/v1/progress`, headers)).body
        return p.state.sampling_steps === steps && p.progress > 0.05 ? p : undefined
      }, `the job of ${steps} steps`)
    await running(alice, 140)
    await running(bob, 100)
    // each caller's /progress names its own job (140 vs 100 steps), never the other's
    expect((await getJson(`${g.url}/sdapi/v1/progress`, alice)).body.state.sampling_steps).toBe(140)
    expect((await getJson(`${g.url}/sdapi/v1/progress`, bob)).body.state.sampling_steps).toBe(100)

    await postJson(`${g.url}/sdapi/v1/interrupt`, {}, alice)
    const aliceAnswer = await aliceJob
    expect(aliceAnswer.status).toBe(200)
    const bobStill = (await getJson(`${g.url}/sdapi/v1/progress`, bob)).body
    expect(bobStill.state.sampling_steps).toBe(100)
    const bobAnswer = await bobJob
    expect(bobAnswer.status).toBe(200)

    const backendOf = async (answer: typeof bobAnswer) =>
      (await getJson(`${g.url}/api/runs/${answer.headers.get('x-sdflow-run')}`, bob)).body.nodes.gen
        .backend
    const [aliceBackend, bobBackend] = [await backendOf(aliceAnswer), await backendOf(bobAnswer)]
    expect(aliceBackend).not.toBe(bobBackend)
    const stateOf = async (id: string) =>
      (await getJson(`${g.emulators[id === 'a' ? 0 : 1]?.url}/sdapi/v1/progress`)).body.state
    expect((await stateOf(aliceBackend)).interrupted).toBe(true)
    // the flag stays set until the backend's next job: bob's backend was never told to stop
    expect((await stateOf(bobBackend)).interrupted).toBe(false)
  })
})

describe('failover', () => {
  let g: Gateway
  beforeAll(async () => {
    g = await startGateway({ stepMs: 20 })
  })
  afterAll(async () => g.close())

  it('finishes on the other emulator when the one doing the job is killed mid-request', async () => {
    const answer = postJson(
      `${g.url}/sdapi/v1/txt2img`,
      { prompt: 'survives', steps: 60, width: 64, height: 64, seed: 12 },
      alice,
    )
    const victim = await waitFor(() => busyEmulator(g), 'an emulator to work on the job')
    void g.emulators[victim]?.close()
    const done = await answer
    expect(done.status).toBe(200)
    expect(JSON.parse(done.body.info).all_seeds).toEqual([12])
    const run = await getJson(`${g.url}/api/runs/${done.headers.get('x-sdflow-run')}`, alice)
    expect(run.body.nodes.gen.backend).toBe(victim === 0 ? 'b' : 'a')
    expect(run.body.nodes.gen.attempts).toBeGreaterThan(1)
  })
})

describe('a backend fault', () => {
  let g: Gateway
  beforeAll(async () => {
    g = await startGateway({ emulators: 1, stepMs: 2 })
  })
  afterAll(async () => g.close())

  it("reaches the client in A1111's error shape, not sdflow's", async () => {
    g.emulators[0]?.injectFault({ route: '/sdapi/v1/txt2img', kind: 'oom', count: 10 })
    const answer = await postJson(
      `${g.url}/sdapi/v1/txt2img`,
      { prompt: 'too big', steps: 3, width: 64, height: 64 },
      alice,
    )
    g.emulators[0]?.clearFaults()
    expect(answer.status).toBe(500)
    expect(answer.body).toMatchObject({ error: 'OutOfMemoryError', detail: '', body: '' })
    expect(answer.body.errors).toMatch(/out of memory/i)
    expect(answer.body).not.toHaveProperty('code')
  })
})
