/**
 * The compute hosts training runs may go to: other Spikelab hosts (`spikelab serve --token T`),
 * kept in `<lab>/compute-hosts.json`. The file holds the tokens, so it is created readable by this
 * user only (0600) and written via a temporary file and rename; tokens leave this module only
 * towards the remote host itself, never back to the renderer and never into a log or error.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { SpikelabError } from '../../../common/errors.js'
import type { ComputeHost } from '../../../common/contract/schemas.js'

/** A host with its secret, for the main side only. */
export interface ResolvedHost {
  readonly name: string
  /** ws:// or wss:// URL of the host's LabApi endpoint (…/lab), without the token. */
  readonly url: string
  readonly token: string
}

interface StoredHost extends ResolvedHost {
  readonly allowInsecure: boolean
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * Checks and normalises a host address: ws(s)://, http(s):// (as `spikelab serve` prints it) or
 * host:port. The path becomes /lab; a `?token=` in a pasted serve URL is taken out (and returned).
 * Plain ws:// is accepted only to this machine unless `allowInsecure`, because the token and every
 * message would cross the network readable by anyone on the way.
 */
export function normaliseHostUrl(address: string, allowInsecure: boolean): { url: string; token: string | null } {
  let parsed: URL
  try {
    parsed = new URL(/^[a-z]+:\/\//i.test(address) ? address : `ws://${address}`)
  } catch {
    // the address is not echoed: a pasted serve URL may carry the token
    throw new SpikelabError('schema', 'that is not a host address; give ws://HOST:PORT or wss://HOST:PORT', { field: 'url' })
  }
  const scheme = { 'ws:': 'ws', 'http:': 'ws', 'wss:': 'wss', 'https:': 'wss' }[parsed.protocol]
  if (!scheme) throw new SpikelabError('schema', `a compute host is reached over ws:// or wss://, not ${parsed.protocol}//`, { field: 'url' })
  if (scheme === 'ws' && !LOOPBACK_NAMES.has(parsed.hostname) && !/^127\.\d+\.\d+\.\d+$/.test(parsed.hostname) && !allowInsecure) {
    throw new SpikelabError(
      'REMOTE_INSECURE',
      `plain ws:// to ${parsed.hostname} would send the token and all data unencrypted; use wss:// (e.g. behind a TLS proxy), an SSH tunnel to ws://127.0.0.1, or allow plain ws explicitly`,
      { field: 'url' },
    )
  }
  const token = parsed.searchParams.get('token')
  return { url: `${scheme}://${parsed.host}/lab`, token }
}

export class ComputeHosts {
  readonly file: string

  constructor(labFolder: string) {
    this.file = path.join(labFolder, 'compute-hosts.json')
  }

  /** The hosts as the renderer may see them: only whether a token is set. */
  async list(): Promise<ComputeHost[]> {
    return (await this.read()).map(publicView)
  }

  async add(params: { name: string; url: string; token: string; allowInsecure?: boolean }): Promise<ComputeHost> {
    if (params.name === 'local') throw new SpikelabError('schema', "'local' names this machine; choose another name for the host", { field: 'name' })
    const allowInsecure = params.allowInsecure ?? false
    const { url } = normaliseHostUrl(params.url, allowInsecure)
    const host: StoredHost = { name: params.name, url, token: params.token, allowInsecure }
    const hosts = (await this.read()).filter((h) => h.name !== params.name)
    await this.write([...hosts, host])
    return publicView(host)
  }

  async remove(name: string): Promise<boolean> {
    const hosts = await this.read()
    const kept = hosts.filter((h) => h.name !== name)
    if (kept.length === hosts.length) return false
    await this.write(kept)
    return true
  }

  /** The host with its token, for connecting; a clear error when there is no such host. */
  async resolve(name: string): Promise<ResolvedHost> {
    const host = (await this.read()).find((h) => h.name === name)
    if (!host) throw new SpikelabError('not-found', `no compute host named '${name}'; add it under Compute hosts first`, { field: 'host' })
    return { name: host.name, url: host.url, token: host.token }
  }

  private async read(): Promise<StoredHost[]> {
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null
      throw err
    })
    if (text === null) return []
    try {
      const data = JSON.parse(text) as { hosts?: StoredHost[] }
      return Array.isArray(data.hosts) ? data.hosts : []
    } catch {
      throw new SpikelabError('schema', 'the compute host list is not valid JSON', { file: this.file })
    }
  }

  private async write(hosts: StoredHost[]): Promise<void> {
    const temp = `${this.file}.tmp`
    await writeFile(temp, JSON.stringify({ hosts }, null, 2), { mode: 0o600 })
    // writeFile's mode applies only when it creates the file; a leftover temp file keeps its own.
    await chmod(temp, 0o600)
    await rename(temp, this.file)
  }
}

function publicView(host: StoredHost): ComputeHost {
  return { name: host.name, url: host.url, tokenSet: host.token.length > 0, allowInsecure: host.allowInsecure }
}
