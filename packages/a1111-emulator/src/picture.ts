import { hashString, mulberry32, type Random } from './random.js'

/** Raw 8-bit RGB pixels. */
export interface RawImage {
  data: Buffer
  width: number
  height: number
}

export interface PictureSpec {
  prompt: string
  seed: number
  width: number
  height: number
}

type Rgb = [number, number, number]

function hsl(h: number, s: number, l: number): Rgb {
  const hue = (((h % 360) + 360) % 360) / 360
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s
  const p = 2 * l - q
  const channel = (t0: number): number => {
    const t = t0 < 0 ? t0 + 1 : t0 > 1 ? t0 - 1 : t0
    if (t < 1 / 6) return p + (q - p) * 6 * t
    if (t < 1 / 2) return q
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6
    return p
  }
  return [channel(hue + 1 / 3) * 255, channel(hue) * 255, channel(hue - 1 / 3) * 255]
}

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)))
  return t * t * (3 - 2 * t)
}

interface Blob {
  x: number
  y: number
  r: number
  color: Rgb
  opacity: number
}

interface Scene {
  skyTop: Rgb
  skyBottom: Rgb
  groundTop: Rgb
  groundBottom: Rgb
  horizon: number
  waveAmp: number
  waveFreq: number
  wavePhase: number
  blobs: Blob[]
}

function scene(rng: Random): Scene {
  const hue = rng() * 360
  const blobs: Blob[] = []
  const count = 4 + Math.floor(rng() * 5)
  for (let i = 0; i < count; i++) {
    blobs.push({
      x: 0.1 + rng() * 0.8,
      y: 0.1 + rng() * 0.8,
      r: 0.08 + rng() * 0.2,
      color: hsl(hue + 90 + rng() * 180, 0.45 + rng() * 0.4, 0.35 + rng() * 0.4),
      opacity: 0.55 + rng() * 0.4,
    })
  }
  return {
    skyTop: hsl(hue, 0.45 + rng() * 0.3, 0.7 + rng() * 0.15),
    skyBottom: hsl(hue + 20 + rng() * 30, 0.5, 0.55 + rng() * 0.15),
    groundTop: hsl(hue + 110 + rng() * 80, 0.35 + rng() * 0.3, 0.35 + rng() * 0.15),
    groundBottom: hsl(hue + 140 + rng() * 60, 0.3, 0.18 + rng() * 0.12),
    horizon: 0.45 + (rng() - 0.5) * 0.3,
    waveAmp: 0.02 + rng() * 0.06,
    waveFreq: 1 + rng() * 3,
    wavePhase: rng() * Math.PI * 2,
    blobs,
  }
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/** The PRNG of one picture: a function of prompt and seed only, so sizes stay consistent. */
function pictureRandom(prompt: string, seed: number): Random {
  return mulberry32(hashString(String(seed), hashString(prompt)))
}

/**
 * A deterministic "painting" of (prompt, seed) at width × height: a sky/ground gradient split
 * by a wavy horizon, soft colour blobs and a vignette. Coordinates are normalized, so the same
 * prompt and seed give the same composition at every size (hires pass = sharper first pass).
 */
export function renderPicture(spec: PictureSpec): RawImage {
  const { width, height } = spec
  const s = scene(pictureRandom(spec.prompt, spec.seed))
  const aspect = width / height
  const data = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5) / height
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / width
      const horizon = s.horizon + s.waveAmp * Math.sin(u * s.waveFreq * Math.PI * 2 + s.wavePhase)
      const sky = mix(s.skyTop, s.skyBottom, Math.min(1, v / Math.max(horizon, 0.01)))
      const ground = mix(s.groundTop, s.groundBottom, Math.min(1, (v - horizon) / (1 - horizon)))
      let c = mix(sky, ground, smoothstep(horizon - 0.01, horizon + 0.01, v))
      for (const b of s.blobs) {
        const dx = (u - b.x) * aspect
        const dy = v - b.y
        const d2 = (dx * dx + dy * dy) / (b.r * b.r)
        if (d2 < 1) {
          const w = (1 - d2) * (1 - d2) * b.opacity
          c = mix(c, b.color, w)
        }
      }
      const vignette = 1 - 0.35 * ((u - 0.5) ** 2 + (v - 0.5) ** 2) * 2
      const i = (y * width + x) * 3
      data[i] = Math.round(c[0] * vignette)
      data[i + 1] = Math.round(c[1] * vignette)
      data[i + 2] = Math.round(c[2] * vignette)
    }
  }
  return { data, width, height }
}

/**
 * What an unfinished sample decodes to: the picture mixed with blocky latent noise,
 * `quality` 1 = finished, 0 = pure noise.
 */
export function degrade(image: RawImage, quality: number, seed: number): RawImage {
  if (quality >= 1) return image
  const q = Math.max(0, quality)
  const data = Buffer.alloc(image.data.length)
  const block = 8
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const cell = hashString(`${Math.floor(x / block)},${Math.floor(y / block)}`, seed >>> 0)
      const i = (y * image.width + x) * 3
      for (let ch = 0; ch < 3; ch++) {
        const noise = ((cell >>> (ch * 8)) & 0xff) * 0.6 + 50
        data[i + ch] = Math.round((image.data[i + ch] ?? 0) * q + noise * (1 - q))
      }
    }
  }
  return { data, width: image.width, height: image.height }
}
