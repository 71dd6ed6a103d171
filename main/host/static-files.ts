/** Serves the built renderer's files over HTTP: only files inside its folder. */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { contentTypeOf, resolveAssetPath } from '../lab/renderer-assets.js'

export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  const file = resolveAssetPath(root, urlPath)
  const info = file ? await stat(file).catch(() => null) : null
  if (!file || !info || !info.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...headers })
    res.end('not found')
    return
  }
  const cache = file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600'
  res.writeHead(200, { 'Content-Type': contentTypeOf(file), 'Content-Length': String(info.size), 'Cache-Control': cache, ...headers })
  createReadStream(file).pipe(res)
}
