import type { Browser, Page } from 'playwright-core'
import { launchChromium } from './chromium.js'
import { startHostProcess, type HostProcess } from './host-process.js'

export interface LabPage {
  readonly host: HostProcess
  readonly browser: Browser
  readonly page: Page
  close(): Promise<void>
}

/** `spikelab serve` as a child process and Debian's Chromium on one of its sections. */
export async function openLabPage(section = '', viewport = { width: 1280, height: 900 }): Promise<LabPage> {
  const host = await startHostProcess()
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport })
  await page.goto(section ? `${host.url}#/${section}` : host.url)
  return {
    host,
    browser,
    page,
    close: async () => {
      await browser.close()
      await host.stop()
    },
  }
}
