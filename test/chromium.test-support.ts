import { type BrowserContext, chromium } from 'playwright-core'

/**
 * Debian's Chromium, headless, with a fresh profile in `profileDir`. Without the
 * background-networking flags Chromium keeps dialling Google hosts this machine cannot reach.
 */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    viewport: { width: 1280, height: 800 },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
