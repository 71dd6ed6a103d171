import { existsSync } from 'node:fs'
import path from 'node:path'
import { HostConfigError, startHost } from '../../host/host-server.js'
import { createLab, defaultLabFolder } from '../../lab/lab.js'
import { rendererDir as builtRendererDir } from '../../lab/renderer-assets.js'
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../command.js'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the lab to a browser: HTTP + WebSocket on 127.0.0.1 (screenless and remote mode)',
  help: [
    'Usage: spikelab serve [--port N] [--host ADDR --token T] [--lab DIR]',
    '',
    '  --port N      TCP port (default 5317; 0 picks a free one)',
    '  --host ADDR   address to listen on (default 127.0.0.1); any non-loopback address needs --token',
    '  --token T     secret of at least 16 characters every browser must present (in the printed URL)',
    '  --lab DIR     lab folder for recordings, models and the catalog (default ~/Spikelab or $SPIKELAB_LAB_FOLDER)',
    '',
    'Prints the URL to open, then serves until Ctrl+C.',
  ].join('\n'),
  options: { port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' }, lab: { type: 'string' } },
  positionals: [0, 0],
  async run({ values }, io) {
    const port = values.port === undefined ? 5317 : Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer 0–65535, got '${String(values.port)}'`)
    const rendererDir = builtRendererDir()
    if (!existsSync(path.join(rendererDir, 'index.html'))) {
      io.err(`spikelab serve: the renderer is not built (no ${rendererDir}/index.html). Run 'npm run build' first.`)
      return EXIT_FAILED
    }
    const lab = createLab({ shell: 'host', labFolder: typeof values.lab === 'string' ? path.resolve(values.lab) : defaultLabFolder() })
    const host = await startHost({
      lab,
      rendererDir,
      port,
      host: typeof values.host === 'string' ? values.host : undefined,
      token: typeof values.token === 'string' ? values.token : undefined,
    }).catch(async (err: unknown) => {
      await lab.dispose()
      throw err instanceof HostConfigError ? new UsageError(err.message) : err
    })
    io.out(`Spikelab is serving at ${host.url}`)
    io.out('Open that address in Chromium, Chrome or Firefox. Press Ctrl+C to stop.')
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await lab.dispose()
    await host.close()
    // Worker threads or native handles of finished work must not keep a stopped host alive.
    setTimeout(() => process.exit(0), 200).unref()
    return EXIT_OK
  },
}
