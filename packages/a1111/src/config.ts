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

export const BackendConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64 }),
    url: Type.String({ pattern: '^https?://[^\\s]+$' }),
    auth: Type.Optional(
      Type.Object(
        { username: Type.String({ minLength: 1 }), password: Type.String() },
        { additionalProperties: false },
      ),
    ),
    slots: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
    timeouts: Type.Optional(TimeoutsSchema),
    pricePerSecond: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
)

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

/** One backend, validated, with every timeout filled in. */
export interface BackendConfig {
  id: string
  url: string
  auth?: { username: string; password: string }
  slots: number
  timeouts: Timeouts
  pricePerSecond?: number
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false })
const validateFile = lazyValidator(() =>
  ajv.compile<Static<typeof ConfigFileSchema>>(ConfigFileSchema),
)

function describe(error: ErrorObject, base: string): Issue {
  let at = base + error.instancePath
  let message = `${at || '/'} ${error.message ?? 'is invalid'}`
  if (error.keyword === 'required') {
    at = `${at}/${String(error.params.missingProperty)}`
    message = `${at} is required`
  } else if (error.keyword === 'additionalProperties') {
    at = `${at}/${String(error.params.additionalProperty)}`
    message = `${at} is not a known setting`
  } else if (error.keyword === 'pattern' && at.endsWith('/id')) {
    message = `${at} must be lowercase letters, digits, "-" or "_", starting with a letter or digit`
  } else if (error.keyword === 'pattern' && at.endsWith('/url')) {
    message = `${at} must be an http:// or https:// URL`
  }
  return issue('SDF_CONFIG_INVALID', at, message)
}

/** Semantic checks ajv cannot do: URL parses, no credentials in it, ids unique. */
function checkBackends(backends: Static<typeof BackendConfigSchema>[], base: string): Issue[] {
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

function normalise(b: Static<typeof BackendConfigSchema>): BackendConfig {
  const out: BackendConfig = {
    id: b.id,
    url: b.url.replace(/\/+$/, ''),
    slots: b.slots,
    timeouts: withDefaultTimeouts(b.timeouts),
  }
  if (b.auth) out.auth = b.auth
  if (b.pricePerSecond !== undefined) out.pricePerSecond = b.pricePerSecond
  return out
}

/** Validate a parsed config object; throws SDF_CONFIG_INVALID with every issue in details. */
export function parseConfig(
  value: unknown,
  where = 'sdflow.config.json',
): { backends: BackendConfig[]; pool: PoolSettings; raw: ConfigFile } {
  const copy: unknown = structuredClone(value)
  if (!validateFile(copy)) {
    throw invalid(
      (validateFile.errors ?? []).map((e) => describe(e, '')),
      where,
    )
  }
  const issues = checkBackends(copy.backends, '/backends')
  if (issues.length > 0) throw invalid(issues, where)
  return {
    backends: copy.backends.map(normalise),
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
