import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { verifyQr } from '@sdflow/nodes'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { bin, listening, root, sdflow, tmp as tmpIn, workflow } from './cli.test-support.js'

const tmp = () => tmpIn('sdflow-qr-cli-')

const only = (dir: string) => {
  const files = readdirSync(dir)
  expect(files).toHaveLength(1)
  return join(dir, files[0] ?? '')
}

const pixels = async (file: string) => (await sharp(file).raw().toBuffer()).toString('base64')

describe('sdflow run with a QR scan', () => {
  it('prints the scan result and score with the file, and keeps provenance for inspect and re-run', async () => {
    const out = tmp()
    const data = tmp()
    const ran = await sdflow([
      'run',
      workflow('qr-illusion.json'),
      '--set',
      'text=https://example.com',
      '--set',
      'prompt=a harbour town at dusk',
      '--out',
      out,
      '--data',
      data,
    ])
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).toMatch(/^scan: ok "https:\/\/example\.com" score \d\.\d\d$/m)
    expect(ran.stdout).toMatch(/^GPU \d+\.\d s, queue \d+\.\d s, 0 retries$/m)
    const file = only(out)
    expect(ran.stdout).toContain(`wrote ${file}`)
    expect((await verifyQr(readFileSync(file))).text).toBe('https://example.com')

    const shown = await sdflow(['inspect', file])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('  a harbour town at dusk\n')
    expect(shown.stdout).toContain(
      'ControlNet 0: "Module: none, Model: control_v1p_sd15_qrcode_monster',
    )
    expect(shown.stdout).toContain('workflow: qr-illusion (5 nodes)')
    expect(shown.stdout).toContain('  text = "https://example.com"')
    expect(shown.stdout).toMatch(/gen \(sd\.txt2img\): seed 1234, on emulator, checkpoint \S+/)
    // every node of the workflow, with the params that differ from their defaults
    for (const node of [
      'qr (image.qr-code)',
      'monster (sd.controlnet-unit)',
      'verify (image.qr-verify)',
      'save (image.save)',
    ]) {
      expect(shown.stdout).toContain(`\n  ${node}`)
    }
    expect(shown.stdout).toContain('\n    weight = 1.35\n')
    expect(shown.stdout).toContain('\n    min_score = 0.25\n')
    expect(shown.stdout).not.toContain('\n    expected = ""\n')
    const json = JSON.parse((await sdflow(['inspect', file, '--json'])).stdout)
    expect(json.parameters).toMatch(/^a harbour town at dusk\n/)
    expect(json.sdflow).toMatchObject({
      format: 'sdflow.provenance/1',
      workflow: { name: 'qr-illusion' },
      inputs: { text: 'https://example.com', prompt: 'a harbour town at dusk' },
      nodes: { gen: { type: 'sd.txt2img', seeds: [1234] } },
    })

    // the same data folder: every node from cache, the very same file
    const again = await sdflow(['run', file, '--out', out, '--data', data])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('re-running workflow "qr-illusion"')
    expect(again.stdout).toContain('5 nodes: 0 ran, 5 cached, 0 failed')
    expect(again.stdout).toContain(`kept ${file} (cached)`)
    expect(again.stdout).toMatch(/^scan: ok "https:\/\/example\.com"/m)

    // elsewhere, from scratch: the recorded inputs and fixed seed give the same picture
    const elsewhere = tmp()
    const fresh = await sdflow(['run', file, '--out', elsewhere, '--data', tmp()])
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(fresh.stdout).toContain('5 nodes: 5 ran, 0 cached, 0 failed')
    expect(await pixels(only(elsewhere))).toBe(await pixels(file))

    // --set overrides a recorded input
    const changed = await sdflow([
      'run',
      file,
      '--set',
      'text=https://example.org',
      '--out',
      tmp(),
      '--data',
      data,
    ])
    expect(changed.code, changed.stderr).toBe(0)
    expect(changed.stdout).toMatch(/^scan: ok "https:\/\/example\.org"/m)
  }, 90_000)

  it('exits 1 with a FAILED scan line when the picture does not scan', async () => {
    const dir = tmp()
    const doc = JSON.parse(readFileSync(workflow('qr-illusion.json'), 'utf8'))
    doc.nodes.monster.params.weight = 0.3
    doc.nodes.verify.params.expected = 'https://example.com'
    const weak = join(dir, 'weak.json')
    writeFileSync(weak, JSON.stringify(doc))
    const out = tmp()
    const ran = await sdflow(['run', weak, '--out', out, '--data', tmp()])
    expect(ran.code, ran.stderr).toBe(1)
    expect(ran.stdout).toContain('scan: FAILED score 0.00 (expected "https://example.com")')
    // the picture is still saved: a result, not an error
    expect(readdirSync(out)).toHaveLength(1)
  })

  it('refuses to inspect what is no PNG, or a PNG sdflow did not save, with exit 2', async () => {
    const notPng = await sdflow(['inspect', join(root, 'README.md')])
    expect(notPng.code).toBe(2)
    expect(notPng.stderr).toMatch(/^SDF_IMAGE_INVALID /)
    const plain = join(tmp(), 'plain.png')
    writeFileSync(plain, await QRCode.toBuffer('no provenance', { type: 'png' }))
    for (const args of [
      ['inspect', plain],
      ['run', plain],
    ]) {
      const ran = await sdflow(args)
      expect(ran.code).toBe(2)
      expect(ran.stderr).toMatch(/^SDF_PROVENANCE_MISSING /)
    }
  })
})

describe('QR and illusion example workflows', () => {
  it('run as-is: the refine chain and the tuned loops scan, the spiral renders', async () => {
    for (const name of [
      'qr-illusion-refine.json',
      'qr-illusion-tuned.json',
      'qr-illusion-img2img.json',
    ]) {
      const out = tmp()
      const ran = await sdflow(['run', workflow(name), '--out', out, '--data', tmp()])
      expect(ran.code, `${name}: ${ran.stderr}`).toBe(0)
      expect(ran.stdout).toMatch(/^scan: ok "https:\/\/example\.com" score \d\.\d\d$/m)
      expect((await verifyQr(readFileSync(only(out)))).ok).toBe(true)
    }
    const out = tmp()
    const spiral = await sdflow([
      'run',
      workflow('illusion-spiral.json'),
      '--out',
      out,
      '--data',
      tmp(),
    ])
    expect(spiral.code, spiral.stderr).toBe(0)
    expect((await sharp(only(out)).metadata()).width).toBe(512)
  }, 60_000)

  it('estimates the cost from the configured price per GPU-second', async () => {
    const emulator = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--step-ms', '1'], {
      cwd: root,
    })
    try {
      const url = await listening(emulator)
      const config = join(tmp(), 'sdflow.config.json')
      writeFileSync(
        config,
        JSON.stringify({ backends: [{ id: 'gpu', url, pricePerSecond: 0.0011 }] }),
      )
      const ran = await sdflow([
        'run',
        workflow('qr-illusion.json'),
        '--config',
        config,
        '--out',
        tmp(),
        '--data',
        tmp(),
      ])
      expect(ran.code, ran.stderr).toBe(0)
      expect(ran.stdout).toMatch(
        /^GPU \d+\.\d s, queue \d+\.\d s, 0 retries, est\. \$\d\.\d+ \(\$\d\.\d+\/image\)$/m,
      )
    } finally {
      emulator.kill('SIGTERM')
    }
  })
})
