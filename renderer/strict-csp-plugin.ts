/**
 * A strict script policy for the built page: the entry script gets a Subresource Integrity hash,
 * and the page's CSP allows exactly that hash plus what it loads ('strict-dynamic'), instead of
 * every script the origin might serve ('self').
 */
import { createHash } from 'node:crypto'
import type { Plugin } from 'vite'

export const SCRIPT_HASH_PLACEHOLDER = "'self'"

export function strictCsp(): Plugin {
  return {
    name: 'spikelab-strict-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const entry = Object.values(ctx.bundle ?? {}).find((chunk) => chunk.type === 'chunk' && chunk.isEntry)
        if (!entry || entry.type !== 'chunk') throw new Error('strict CSP: no entry chunk in the bundle')
        const hash = `sha384-${createHash('sha384').update(entry.code).digest('base64')}`
        const scriptTag = new RegExp(`<script type="module" crossorigin src="\\./${entry.fileName.replace(/[.]/g, '\\.')}"`)
        if (!scriptTag.test(html)) throw new Error(`strict CSP: script tag for ${entry.fileName} not found`)
        return html
          .replace(scriptTag, (tag) => `${tag} integrity="${hash}"`)
          .replace(`script-src ${SCRIPT_HASH_PLACEHOLDER};`, `script-src '${hash}' 'strict-dynamic';`)
      },
    },
  }
}
