/**
 * The app:// protocol: the renderer is served from app://lab/ (never file://), with the CSP as a
 * response header. Requests for any other host, or paths outside the renderer folder, get 404.
 */
import { readFile } from 'node:fs/promises'
import { protocol } from 'electron'
import { contentSecurityPolicy, contentTypeOf, rendererDir, resolveAssetPath } from '../lab/renderer-assets.js'

export const APP_SCHEME = 'app'
export const APP_HOST = 'lab'
export const APP_ORIGIN_URL = `${APP_SCHEME}://${APP_HOST}/`

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ])
}

/** True for URLs of the app itself. Compares parsed protocol and host (a custom scheme's origin is "null"). */
export function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw)
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST
  } catch {
    return false
  }
}

export function handleAppProtocol(): void {
  const root = rendererDir()
  const headers = {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
  }
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    const file = url.host === APP_HOST ? resolveAssetPath(root, url.pathname) : null
    if (!file) return new Response('not found', { status: 404, headers })
    try {
      const body = await readFile(file)
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(file) } })
    } catch {
      return new Response('not found', { status: 404, headers })
    }
  })
}
