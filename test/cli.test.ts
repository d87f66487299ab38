import { spawn } from 'node:child_process'
import { readdirSync, truncateSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import jsQR from 'jsqr'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import {
  bin,
  fixture,
  listening,
  printed,
  root,
  sdflow,
  tmp,
  workflow,
} from './cli.test-support.js'

async function decodeQr(file: string): Promise<string | undefined> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return jsQR.default(
    new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
    info.width,
    info.height,
  )?.data
}

describe('sdflow validate', () => {
  it('accepts a valid workflow with exit 0', async () => {
    const ran = await sdflow(['validate', workflow('qr-code.json')])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain('valid')
  })

  it('names every node of a cycle, with exit 1', async () => {
    const ran = await sdflow(['validate', fixture('cyclic.json')])
    expect(ran.code).toBe(1)
    expect(ran.stdout.trim()).toBe(
      'SDF_GRAPH_CYCLE /nodes/a/inputs/image nodes "a", "b", "c" form a cycle; remove one of their links',
    )
  })

  it('prints one line per issue of a mistyped workflow', async () => {
    const ran = await sdflow(['validate', fixture('mistyped.json')])
    expect(ran.code).toBe(1)
    const lines = ran.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').slice(0, 2).join(' '))
    expect(lines).toEqual([
      'SDF_PARAM_INVALID /nodes/qr/params/error_correction',
      'SDF_PARAM_OUT_OF_RANGE /nodes/qr/params/size',
      'SDF_NODE_UNKNOWN_TYPE /nodes/save/type',
      'SDF_LINK_KIND_MISMATCH /nodes/mask/inputs/mask',
    ])
    expect(ran.stdout).toContain('did you mean "image.save"')
  })

  it('prints issues as JSON with --json', async () => {
    const ran = await sdflow(['validate', fixture('cyclic.json'), '--json'])
    expect(JSON.parse(ran.stdout)).toMatchObject([{ code: 'SDF_GRAPH_CYCLE', severity: 'error' }])
  })

  it('reports a JSON syntax error at line:column with the offending line, exit 1', async () => {
    const file = join(tmp(), 'broken.json')
    writeFileSync(file, '{\n  "format": "sdflow.workflow/1",\n  "name": "x",\n  "nodes": {},\n}\n')
    const ran = await sdflow(['validate', file])
    expect(ran.code).toBe(1)
    expect(ran.stdout).toBe(
      `SDF_DOC_PARSE / ${file}:5:1: not valid JSON: expected a double-quoted property name, found '}' (a trailing comma?)\n  5 | }\n    | ^\n`,
    )
    const json = JSON.parse((await sdflow(['validate', file, '--json'])).stdout)
    expect(json).toMatchObject([{ code: 'SDF_DOC_PARSE', details: { line: 5, column: 1 } }])
    const readme = await sdflow(['validate', join(root, 'README.md')])
    expect(readme.code).toBe(1)
    expect(readme.stdout).toMatch(/^SDF_DOC_PARSE \/ \S+README\.md:1:1: /)
  })

  it('refuses a workflow file over the size limit before reading it', async () => {
    const file = join(tmp(), 'huge.json')
    writeFileSync(file, '')
    truncateSync(file, 65 * 1024 * 1024) // sparse: the limit is checked from the size alone
    for (const command of ['validate', 'run']) {
      const ran = await sdflow([command, file])
      expect(ran.code).toBe(2)
      expect(ran.stderr).toMatch(/^SDF_DOC_TOO_LARGE .*65\.0 MiB; workflow files are limited/m)
    }
  })

  it('exits 2 for a usage error or a file it cannot read, suggesting the closest name', async () => {
    const usage = await sdflow(['validate'])
    expect(usage.code).toBe(2)
    const missing = await sdflow(['validate', 'qr-code.json'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(
      'SDF_PATH_NOT_FOUND / qr-code.json: no such file; did you mean "workflows/qr-code.json"?',
    )
    const typo = await sdflow(['validate', 'workflows/qr-illusoin.json'])
    expect(typo.stderr).toContain('did you mean "workflows/qr-illusion.json"')
  })
})

describe('sdflow, first contact', () => {
  it('suggests the closest command and flag', async () => {
    const command = await sdflow(['valdiate', workflow('qr-code.json')])
    expect(command.code).toBe(2)
    expect(command.stderr).toContain('unknown command "valdiate"; did you mean "validate"?')
    const flag = await sdflow(['run', workflow('qr-code.json'), '--sett', 'text=x'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain(`Unknown option '--sett'; did you mean "--set"?`)
    expect(flag.stderr).toContain('sdflow run <file>')
  })

  it('prints its version and the help of one command', async () => {
    const version = await sdflow(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/^sdflow \d+\.\d+\.\d+\n$/)
    const help = await sdflow(['help', 'run'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^sdflow run <file>/)
    expect(help.stdout).not.toContain('sdflow validate <file>')
  })
})

describe('sdflow run', () => {
  it('runs the QR workflow, writes a PNG that scans, then serves it all from cache', async () => {
    const out = tmp()
    const data = tmp()
    const args = [
      'run',
      workflow('qr-code.json'),
      '--out',
      out,
      '--data',
      data,
      '--set',
      'text=hello sdflow',
    ]
    const ran = await sdflow(args)
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).toContain('3 nodes: 3 ran, 0 cached, 0 failed')
    const files = readdirSync(out)
    expect(files).toHaveLength(1)
    expect(ran.stdout).toContain(`wrote ${join(out, files[0] ?? '')}`)
    expect(await decodeQr(join(out, files[0] ?? ''))).toBe('hello sdflow')
    expect((await sharp(join(out, files[0] ?? '')).metadata()).width).toBe(768)

    const again = await sdflow(args)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('3 nodes: 0 ran, 3 cached, 0 failed')
    expect(again.stdout).toContain(`kept ${join(out, files[0] ?? '')} (cached)`)
    expect(readdirSync(out)).toHaveLength(1)
  })

  it('streams run events as JSON lines with --json', async () => {
    const ran = await sdflow([
      'run',
      workflow('qr-code.json'),
      '--out',
      tmp(),
      '--data',
      tmp(),
      '--json',
    ])
    expect(ran.code).toBe(0)
    const events = ran.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(events[0].type).toBe('run.started')
    expect(events.at(-1).type).toBe('run.finished')
    expect(events.map((e: { seq: number }) => e.seq)).toEqual(
      events.map((_: unknown, i: number) => i + 1),
    )
  })

  it('refuses an unknown --set with exit 2 and runs nothing', async () => {
    const out = tmp()
    const ran = await sdflow(['run', workflow('qr-code.json'), '--out', out, '--set', 'colour=red'])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain('SDF_WORKFLOW_INPUT_UNKNOWN /inputs/colour')
    expect(readdirSync(out)).toEqual([])
  })

  it('exits 1 when a node fails, naming the node', async () => {
    const ran = await sdflow(['run', fixture('missing-file.json'), '--out', tmp(), '--data', tmp()])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain('SDF_PATH_NOT_FOUND /nodes/load')
  })

  it('exits 2 on a usage error', async () => {
    const ran = await sdflow(['run', workflow('qr-code.json'), '--colour'])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain('SDF_CLI_USAGE')
  })
})

describe('sdflow nodes', () => {
  it('lists the catalog, and as JSON NodeSpecs', async () => {
    const ran = await sdflow(['nodes'])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain('image.qr-code')
    const specs = JSON.parse((await sdflow(['nodes', '--json'])).stdout)
    expect(specs.map((s: { type: string }) => s.type)).toContain('mask.shape')
  })
})

describe('sdflow with backends', () => {
  it('runs the README main job on the embedded emulator', async () => {
    const out = tmp()
    const ran = await sdflow([
      'run',
      workflow('txt2img-refine-upscale.json'),
      '--out',
      out,
      '--data',
      tmp(),
    ])
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).toContain('4 nodes: 4 ran, 0 cached, 0 failed')
    const [file] = readdirSync(out)
    expect((await sharp(join(out, file ?? '')).metadata()).width).toBe(1024)
  })

  it('runs every example workflow as-is', async () => {
    for (const name of ['inpaint-shape-mask.json', 'controlnet-canny.json']) {
      const ran = await sdflow(['run', workflow(name), '--out', tmp(), '--data', tmp()])
      expect(ran.code, `${name}: ${ran.stderr}`).toBe(0)
    }
  })

  it('starts a standalone emulator and runs against it with --backend', async () => {
    const emulator = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--step-ms', '1'], {
      cwd: root,
    })
    try {
      const url = await listening(emulator)
      const ran = await sdflow([
        'run',
        workflow('txt2img-refine-upscale.json'),
        '--backend',
        url,
        '--out',
        tmp(),
        '--data',
        tmp(),
      ])
      expect(ran.code, ran.stderr).toBe(0)
      expect(ran.stdout).toContain('on b1')
      const stats = (await (await fetch(`${url}/emulator/stats`)).json()) as {
        requests: Record<string, number>
      }
      expect(stats.requests['/sdapi/v1/txt2img']).toBe(1)

      const typo = await sdflow(['validate', fixture('unknown-sampler.json'), '--backend', url])
      expect(typo.code).toBe(1)
      expect(typo.stdout).toContain('SDF_CATALOG_UNKNOWN_NAME /nodes/gen/params/sampler_name')
      expect(typo.stdout).toContain(
        'sampler "DPM++ 2M" exists but "Karass" is no scheduler; did you mean "DPM++ 2M Karras"? (or set the scheduler param)',
      )
    } finally {
      emulator.kill('SIGTERM')
    }
  })

  it('says at once that a backend is unreachable, and runs on the others', async () => {
    const emulator = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--step-ms', '1'], {
      cwd: root,
    })
    try {
      const url = await listening(emulator)
      const dead = `http://127.0.0.1:${await closedPort()}`
      const both = await sdflow([
        'run',
        workflow('txt2img-refine-upscale.json'),
        '--backend',
        url,
        '--backend',
        dead,
        '--out',
        tmp(),
        '--data',
        tmp(),
      ])
      expect(both.code, both.stderr).toBe(0)
      expect(both.stderr).toContain(
        `backend b2 (${dead}) unreachable: connection refused; waiting up to 10 min for a healthy backend`,
      )
    } finally {
      emulator.kill('SIGTERM')
    }
  })

  it('fails at once with SDF_BACKEND_UNREACHABLE when no backend can be reached', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`
    const args = ['run', workflow('txt2img-refine-upscale.json'), '--backend', dead]
    const ran = await sdflow([...args, '--out', tmp(), '--data', tmp()])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain(`backend b1 (${dead}) unreachable: connection refused\n`)
    expect(ran.stderr).toContain('SDF_BACKEND_UNREACHABLE / no configured backend can be reached')
    expect(ran.stdout).toBe('')
  })

  it('cancels cleanly on Ctrl-C with exit 130', async () => {
    let sent = false
    const ran = await sdflow(
      ['run', fixture('slow-txt2img.json'), '--out', tmp(), '--data', tmp()],
      {
        onStdout: (text, child) => {
          // once: a second Ctrl-C quits at once, by design
          if (!sent && text.includes('running')) {
            sent = true
            child.kill('SIGINT')
          }
        },
      },
    )
    expect(ran.code, ran.stderr).toBe(130)
    expect(ran.stderr).toContain('cancelled')
  })
})

describe('sdflow serve and run --server', () => {
  it('prints the editor URL: the suggested example, or the editor itself when there is none', async () => {
    const serve = (examples: string[]) =>
      spawn(
        process.execPath,
        [bin, 'serve', '--port', '0', '--data', tmp(), '--workflows', tmp(), ...examples],
        { cwd: root },
      )
    const stopped = (child: ReturnType<typeof spawn>) =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGTERM')
      })
    // the shipped examples (./workflows): the editor opens the suggested one
    const shipped = serve([])
    try {
      const [url, editor] = await Promise.all([
        listening(shipped),
        printed(shipped, /^editor: (\S+)$/m).then((m) => m[1]),
      ])
      expect(editor).toBe(`${url}/?workflow=qr-illusion`)
      const page = await fetch(editor ?? '')
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      expect((await fetch(`${url}/api/workflows/qr-illusion`)).status).toBe(200)
    } finally {
      await stopped(shipped)
    }
    // nothing to suggest: the editor's root
    const empty = serve(['--examples', tmp()])
    try {
      const [url, editor] = await Promise.all([
        listening(empty),
        printed(empty, /^editor: (\S+)$/m).then((m) => m[1]),
      ])
      expect(editor).toBe(`${url}/`)
    } finally {
      await stopped(empty)
    }
  })

  it('runs a workflow on a server, following its event stream, with the same exit codes', async () => {
    const out = tmp()
    const server = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--data', tmp(), '--workflows', tmp(), '--out', out],
      { cwd: root },
    )
    try {
      const url = await listening(server)
      const ran = await sdflow(['run', workflow('txt2img-refine-upscale.json'), '--server', url])
      expect(ran.code, ran.stderr).toBe(0)
      expect(ran.stdout).toContain(`4 nodes: 4 ran, 0 cached, 0 failed`)
      expect(readdirSync(out)).toHaveLength(1)
      expect(ran.stdout).toMatch(/GPU \d+\.\d s/)

      const qr = await sdflow(['run', workflow('qr-illusion.json'), '--server', url])
      expect(qr.code, qr.stderr).toBe(0)
      expect(qr.stdout).toMatch(/scan: ok ".+" score/)

      const invalid = await sdflow(['run', fixture('unknown-sampler.json'), '--server', url])
      expect(invalid.code).toBe(2)
      expect(invalid.stderr).toContain('SDF_CATALOG_UNKNOWN_NAME /nodes/gen/params/sampler_name')

      const failing = await sdflow(['run', fixture('missing-file.json'), '--server', url])
      expect(failing.code).toBe(1)
      expect(failing.stderr).toContain('SDF_PATH_NOT_FOUND /nodes/load')
    } finally {
      server.kill('SIGTERM')
    }
  })
})

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
