import { readFile } from 'node:fs/promises'
import { fail, type Issue, issue, type SdflowError } from '@sdflow/protocol'
import { Ajv, type ErrorObject } from 'ajv'
import { type Static, Type } from 'typebox'
import { lazyValidator } from './lazy-validator.js'
import { type Timeouts, withDefaultTimeouts } from './timeouts.js'

const TimeoutsSchema = Type.Object(
  {
    requestMs: Type.Optional(Type.Integer({ minimum: 1 })),
    connectMs: Type.Optional(Type.Integer({ minimum: 1 })),
    frozenMs: Type.Optional(Type.Integer({ minimum: 1 })),
    probeMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
)

const common = {
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64 }),
  url: Type.String({ pattern: '^https?://[^\\s]+$' }),
  timeouts: Type.Optional(TimeoutsSchema),
  pricePerSecond: Type.Optional(Type.Number({ minimum: 0 })),
  pricePerImage: Type.Optional(Type.Number({ minimum: 0 })),
  maxResponseBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
}

/** `"type": "a1111"` (the default): an A1111 server reached over HTTP. */
export const A1111BackendSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('a1111')),
    ...common,
    auth: Type.Optional(
      Type.Object(
        { username: Type.String({ minLength: 1 }), password: Type.String() },
        { additionalProperties: false },
      ),
    ),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String(), {
        description: 'extra request headers, e.g. {"Authorization": "Bearer ..."} for a gateway',
      }),
    ),
    slots: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  },
  { additionalProperties: false },
)

/** `"type": "runpod"`: a RunPod serverless endpoint running an A1111 worker image. */
export const RunpodBackendSchema = Type.Object(
  {
    type: Type.Literal('runpod'),
    ...common,
    worker: Type.Enum(['a1111', 'a1111-proxy'], {
      description:
        'a1111: runpod-workers/worker-a1111 (txt2img only); a1111-proxy: ashleykleynhans/runpod-worker-a1111',
    }),
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    apiKeyEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
    slots: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  },
  { additionalProperties: false },
)

export const BackendConfigSchema = Type.Union([A1111BackendSchema, RunpodBackendSchema])

const Backoff = Type.Object(
  {
    baseMs: Type.Optional(Type.Integer({ minimum: 1 })),
    maxMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
)

/** How the pool probes, retries and queues (createPool's options of the same names). */
export const PoolSettingsSchema = Type.Object(
  {
    probeIntervalMs: Type.Optional(Type.Integer({ minimum: 1 })),
    downBackoff: Type.Optional(Backoff),
    catalogRefreshMs: Type.Optional(Type.Integer({ minimum: 1 })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    retryBackoff: Type.Optional(Backoff),
    queueTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    queueAhead: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 8,
        description:
          'requests kept waiting in each A1111 queue beside its running ones (default 1; 0: send only to a free slot)',
      }),
    ),
  },
  { additionalProperties: false },
)
export type PoolSettings = Static<typeof PoolSettingsSchema>

/** `sdflow.config.json`. Keys other than `backends` and `pool` belong to other packages and pass through. */
export const ConfigFileSchema = Type.Object({
  backends: Type.Array(BackendConfigSchema),
  pool: Type.Optional(PoolSettingsSchema),
})
export type ConfigFile = Static<typeof ConfigFileSchema> & Record<string, unknown>

interface CommonConfig {
  id: string
  url: string
  slots: number
  timeouts: Timeouts
  pricePerSecond?: number
  pricePerImage?: number
  /** Cap on every answer; default derived from maxPixels and the images a request expects. */
  maxResponseBytes?: number
}

/** One backend of kind `a1111`, validated, with every timeout filled in. */
export interface A1111BackendConfig extends CommonConfig {
  type?: 'a1111'
  auth?: { username: string; password: string }
  headers?: Record<string, string>
}

/** One backend of kind `runpod`; `apiKey` is resolved (from `apiKeyEnv` when not given). */
export interface RunpodBackendConfig extends CommonConfig {
  type: 'runpod'
  worker: 'a1111' | 'a1111-proxy'
  apiKey: string
}

export type BackendConfig = A1111BackendConfig | RunpodBackendConfig

/** Where the key of a runpod backend comes from unless `apiKey` or `apiKeyEnv` says. */
export const DEFAULT_API_KEY_ENV = 'RUNPOD_API_KEY'

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false })
/** The file's outline; each backend is then checked against the schema of its `type`. */
const validateFile = lazyValidator(() =>
  ajv.compile<{ backends: Record<string, unknown>[]; pool?: PoolSettings }>(
    Type.Object({
      backends: Type.Array(Type.Object({}, { additionalProperties: true })),
      pool: Type.Optional(PoolSettingsSchema),
    }),
  ),
)
const validateKind = {
  a1111: lazyValidator(() => ajv.compile<Static<typeof A1111BackendSchema>>(A1111BackendSchema)),
  runpod: lazyValidator(() => ajv.compile<Static<typeof RunpodBackendSchema>>(RunpodBackendSchema)),
}
type RawBackend = Static<typeof A1111BackendSchema> | Static<typeof RunpodBackendSchema>

function describe(error: ErrorObject, base: string): Issue {
  let at = base + error.instancePath
  let message = `${at || '/'} ${error.message ?? 'is invalid'}`
  if (error.keyword === 'required') {
    at = `${at}/${String(error.params.missingProperty)}`
    message = `${at} is required`
  } else if (error.keyword === 'additionalProperties') {
    at = `${at}/${String(error.params.additionalProperty)}`
    message = `${at} is not a known setting`
  } else if (error.keyword === 'enum') {
    const allowed = (error.params.allowedValues as unknown[]).map((v) => `"${String(v)}"`)
    message = `${at} must be one of ${allowed.join(', ')}`
  } else if (error.keyword === 'pattern' && at.endsWith('/id')) {
    message = `${at} must be lowercase letters, digits, "-" or "_", starting with a letter or digit`
  } else if (error.keyword === 'pattern' && at.endsWith('/url')) {
    message = `${at} must be an http:// or https:// URL`
  }
  return issue('SDF_CONFIG_INVALID', at, message)
}

/** Each backend against the schema its `type` names (default a1111); issues name the field. */
function checkKinds(backends: Record<string, unknown>[], base: string): Issue[] {
  const issues: Issue[] = []
  backends.forEach((b, i) => {
    const at = `${base}/${i}`
    const type = b.type ?? 'a1111'
    if (type !== 'a1111' && type !== 'runpod') {
      issues.push(
        issue('SDF_CONFIG_INVALID', `${at}/type`, `${at}/type must be "a1111" or "runpod"`),
      )
      return
    }
    const validate = validateKind[type]
    if (!validate(b)) issues.push(...(validate.errors ?? []).map((e) => describe(e, at)))
  })
  return issues
}

/** Semantic checks ajv cannot do: URL parses, no credentials in it, ids unique. */
function checkBackends(backends: RawBackend[], base: string, env: Env): Issue[] {
  const issues: Issue[] = []
  const seen = new Set<string>()
  backends.forEach((b, i) => {
    const at = `${base}/${i}`
    if (seen.has(b.id)) {
      issues.push(issue('SDF_CONFIG_INVALID', `${at}/id`, `duplicate backend id "${b.id}"`))
    }
    seen.add(b.id)
    let parsed: URL | undefined
    try {
      parsed = new URL(b.url)
    } catch {
      issues.push(issue('SDF_CONFIG_INVALID', `${at}/url`, `"${b.url}" is not a valid URL`))
    }
    if (parsed && (parsed.username || parsed.password)) {
      issues.push(
        issue(
          'SDF_CONFIG_INVALID',
          `${at}/url`,
          'the URL contains credentials; put them in "auth": {"username", "password"} instead',
        ),
      )
    }
    if (parsed && (parsed.search || parsed.hash)) {
      issues.push(
        issue('SDF_CONFIG_INVALID', `${at}/url`, 'the URL must not have a query or fragment'),
      )
    }
    if (b.type === 'runpod' && b.apiKey === undefined) {
      const name = b.apiKeyEnv ?? DEFAULT_API_KEY_ENV
      if (!env[name]) {
        issues.push(
          issue(
            'SDF_CONFIG_INVALID',
            `${at}/apiKeyEnv`,
            `the environment variable ${name} is not set; set it to the RunPod API key (or name another with "apiKeyEnv")`,
          ),
        )
      }
    }
    if (b.type !== 'runpod' && b.auth && b.headers) {
      const named = Object.keys(b.headers).find((h) => h.toLowerCase() === 'authorization')
      if (named) {
        issues.push(
          issue(
            'SDF_CONFIG_INVALID',
            `${at}/headers/${named}`,
            'give either "auth" or an Authorization header, not both',
          ),
        )
      }
    }
  })
  return issues
}

function invalid(issues: Issue[], where: string): SdflowError {
  const first = issues[0]
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
  return fail('SDF_CONFIG_INVALID', `${where}: ${first?.message ?? 'invalid'}${more}`, {
    pointer: first?.pointer ?? '',
    details: { issues },
  })
}

function normalise(b: RawBackend, env: Env): BackendConfig {
  const common: CommonConfig = {
    id: b.id,
    url: b.url.replace(/\/+$/, ''),
    slots: b.slots,
    timeouts: withDefaultTimeouts(b.timeouts),
  }
  if (b.pricePerSecond !== undefined) common.pricePerSecond = b.pricePerSecond
  if (b.pricePerImage !== undefined) common.pricePerImage = b.pricePerImage
  if (b.maxResponseBytes !== undefined) common.maxResponseBytes = b.maxResponseBytes
  if (b.type === 'runpod') {
    const apiKey = b.apiKey ?? env[b.apiKeyEnv ?? DEFAULT_API_KEY_ENV] ?? ''
    return { type: 'runpod', ...common, worker: b.worker, apiKey }
  }
  const out: A1111BackendConfig = { type: 'a1111', ...common }
  if (b.auth) out.auth = b.auth
  if (b.headers) out.headers = b.headers
  return out
}

type Env = Readonly<Record<string, string | undefined>>

/** Validate a parsed config object; throws SDF_CONFIG_INVALID with every issue in details. */
export function parseConfig(
  value: unknown,
  where = 'sdflow.config.json',
  env: Env = process.env,
): { backends: BackendConfig[]; pool: PoolSettings; raw: ConfigFile } {
  const copy: unknown = structuredClone(value)
  if (!validateFile(copy)) {
    throw invalid(
      (validateFile.errors ?? []).map((e) => describe(e, '')),
      where,
    )
  }
  const kindIssues = checkKinds(copy.backends, '/backends')
  if (kindIssues.length > 0) throw invalid(kindIssues, where)
  const backends = copy.backends as unknown as RawBackend[]
  const issues = checkBackends(backends, '/backends', env)
  if (issues.length > 0) throw invalid(issues, where)
  return {
    backends: backends.map((b) => normalise(b, env)),
    pool: copy.pool ?? {},
    raw: copy as ConfigFile,
  }
}

/** Read and validate `sdflow.config.json` (or another path). */
export async function loadConfig(
  path: string,
): Promise<{ backends: BackendConfig[]; pool: PoolSettings; raw: ConfigFile }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw fail(
      'SDF_CONFIG_INVALID',
      `${path}: cannot read the file (${(error as Error).message})`,
      {
        cause: error,
      },
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw fail('SDF_CONFIG_INVALID', `${path}: not valid JSON (${(error as Error).message})`, {
      cause: error,
    })
  }
  return parseConfig(value, path)
}

/** Backends from repeated `--backend URL` flags: ids b1, b2, ... */
export function backendsFromUrls(
  urls: readonly string[],
  defaults: { slots?: number; timeouts?: Partial<Timeouts> } = {},
): BackendConfig[] {
  const backends = urls.map((url, i) => ({
    id: `b${i + 1}`,
    url,
    slots: defaults.slots ?? 1,
    ...(defaults.timeouts ? { timeouts: defaults.timeouts } : {}),
  }))
  return parseConfig({ backends }, '--backend').backends
}
