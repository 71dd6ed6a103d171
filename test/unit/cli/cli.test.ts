import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../../main/cli/commands.js'
import { runCli } from '../../../main/cli/main.js'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('spikelab CLI', () => {
  it('lists every command in --help and exits 0', async () => {
    const r = await cli('--help')
    expect(r.code).toBe(0)
    for (const c of COMMANDS) expect(r.out).toContain(c.name)
    expect(r.out).toContain('serve')
    expect(r.out).toContain('version')
  })

  it('with no command prints usage and exits 2', async () => {
    const r = await cli()
    expect(r.code).toBe(2)
    expect(r.out).toMatch(/^Usage: spikelab <command>/)
  })

  it('every command has its own --help, which starts with a usage line', async () => {
    for (const c of COMMANDS) {
      const r = await cli(c.name, '--help')
      expect(r.code, c.name).toBe(0)
      expect(r.out, c.name).toMatch(new RegExp(`^Usage: spikelab ${c.name}`))
      const viaHelp = await cli('help', c.name)
      expect(viaHelp.out).toBe(r.out)
    }
  })

  it('an unknown command goes to stderr with exit 2', async () => {
    const r = await cli('frobnicate')
    expect(r.code).toBe(2)
    expect(r.err).toContain("unknown command 'frobnicate'")
    expect(r.out).toBe('')
  })

  it('an unknown option or extra argument is a usage error naming it', async () => {
    const a = await cli('version', '--colour')
    expect(a.code).toBe(2)
    expect(a.err).toMatch(/--colour/)
    const b = await cli('version', 'extra')
    expect(b.code).toBe(2)
    expect(b.err).toMatch(/expects 0 argument\(s\), got 1/)
  })

  it('serve validates its port before starting anything', async () => {
    const r = await cli('serve', '--port', '70000')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/--port must be an integer 0–65535, got '70000'/)
  })

  it('version prints the package version, also as JSON', async () => {
    const r = await cli('version', '--json')
    expect(r.code).toBe(0)
    const info = JSON.parse(r.out) as { spikelab: string; node: string }
    expect(info.spikelab).toMatch(/^\d+\.\d+\.\d+$/)
    expect(info.node).toBe(process.versions.node)
  })
})

describe('spikelab info / import', () => {
  it('info reports the MANIFEST facts of a recording as JSON', async () => {
    const { fixturePath } = await import('../../support/fixtures.js')
    const r = await cli('info', fixturePath('events', 'sample_nmnist.bin'), '--json')
    expect(r.code).toBe(0)
    const info = JSON.parse(r.out) as Record<string, unknown>
    // MANIFEST §2: 4,325 events, ON 2,145, t ∈ [654, 311175].
    expect(info).toMatchObject({ format: 'nmnist', eventCount: 4325, onCount: 2145, offCount: 2180, firstTimestampUs: 654, lastTimestampUs: 311175, durationUs: 310521 })
  })

  it('info on a file that is not an event file fails with the reason on stderr', async () => {
    const { fixturePath } = await import('../../support/fixtures.js')
    const r = await cli('info', fixturePath('events', 'MANIFEST.md'))
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^spikelab info: .*event format/)
    expect(r.out).toBe('')
  })

  it('import catalogues a folder into the given lab and lists what it skipped', async () => {
    const { fixturePath } = await import('../../support/fixtures.js')
    const { mkdtempSync } = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-cli-lab-'))
    const r = await cli('import', fixturePath('events'), '--lab', lab)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/4 imported, 1 skipped/)
    expect(r.err).toMatch(/skipped .*MANIFEST\.md: not an event file/)
  })
})

describe('spikelab synth / classify / stats', () => {
  it('classifies the easy synthetic retina into its 4 true types at the merge-cost jump (synthetic-retina-benchmark.md §3, §6)', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-cli-synth-'))
    const nwb = path.join(dir, 'easy.nwb')
    const csv = path.join(dir, 'easy.csv')
    // The easy setting: 4 types × 8 cells, j = 0.10, R = 100, seed 1 (§2.6 check values: 131,086 spikes).
    const made = await cli('synth', 'retina', '--out', nwb, '--csv', csv, '--types', '4', '--cells', '8', '--jitter', '0.1', '--repeats', '100', '--seed', '1')
    expect(made.code).toBe(0)
    expect(made.out).toContain('32 cells (4 types), 100 repeats, 131,086 spikes')

    const r = await cli('classify', nwb, '--json')
    expect(r.code).toBe(0)
    const result = JSON.parse(r.out) as { k: number; kJump: { k: number }; clusters: Array<{ label: string; cluster: number }> }
    expect(result.kJump.k).toBe(4)
    expect(result.k).toBe(4)
    // ARI = 1: every cluster holds exactly one true type, and every type is one cluster.
    const typesPerCluster = new Map<number, Set<string>>()
    for (const c of result.clusters) typesPerCluster.set(c.cluster, (typesPerCluster.get(c.cluster) ?? new Set()).add(c.label))
    expect(typesPerCluster.size).toBe(4)
    for (const types of typesPerCluster.values()) expect(types.size).toBe(1)

    const stats = await cli('stats', csv, '--csv', path.join(dir, 'stats.csv'))
    expect(stats.code).toBe(0)
    expect(stats.out).toContain('csv: 32 units, 100 trials, 131086 spikes')
    const rows = readFileSync(path.join(dir, 'stats.csv'), 'utf8').trim().split('\n')
    expect(rows).toHaveLength(33)
    // §2.6: cell 0 fires 4,660 spikes over all 100 repeats.
    expect(rows[1].split(',')[2]).toBe('4660')
  })

  it('classify refuses a file without repeated trials, and a missing file, with exit codes 2 and 1', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-cli-classify-'))
    const one = path.join(dir, 'one-trial.csv')
    writeFileSync(one, 'neuron,trial,time_s\n0,1,0.1\n1,1,0.2\n')
    const a = await cli('classify', one)
    expect(a.code).toBe(2)
    expect(a.err).toMatch(/no repeated trials/)
    const b = await cli('classify', path.join(dir, 'missing.nwb'))
    expect(b.code).toBe(1)
    expect(b.err).toMatch(/no such file/)
  })
})

describe('spikelab convert', () => {
  it('converts with the format taken from the extension and reports the event count; refuses unclear targets', async () => {
    const { fixturePath } = await import('../../support/fixtures.js')
    const { mkdtempSync, existsSync } = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-cli-convert-'))
    const r = await cli('convert', fixturePath('events', 'sample_nmnist.bin'), path.join(dir, 'digit.aedat4'))
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/4,325 events as aedat4/) // MANIFEST §2
    const bad = await cli('convert', fixturePath('events', 'sample_nmnist.bin'), path.join(dir, 'digit.xyz'))
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/give --format/)
    const window = await cli('convert', fixturePath('events', 'sample_nmnist.bin'), path.join(dir, 'w.csv'), '--from', '20ms', '--to', '10ms')
    expect(window.code).toBe(2)
    expect(window.err).toMatch(/--to must be after --from/)
    expect(existsSync(path.join(dir, 'w.csv'))).toBe(false)
  })
})
