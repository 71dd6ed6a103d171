import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { repoRoot } from './fixtures.js'

export const CHROMIUM_PATH = process.env.SPIKELAB_CHROMIUM ?? '/usr/bin/chromium'

/** Debian's Chromium, headless, with the flags this closed network needs (no background traffic); Playwright gives it a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`)
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
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

/** Where E2E screenshots go (test-results/screenshots), created on demand. */
export function screenshotPath(name: string): string {
  const dir = path.join(repoRoot, 'test-results', 'screenshots')
  mkdirSync(dir, { recursive: true })
  return path.join(dir, name)
}
