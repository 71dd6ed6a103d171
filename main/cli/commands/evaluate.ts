import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { BoardLinkClient, SerialDuplex } from '../../../native-bridge/board-link/index.js'
import { bytesEqual, decodeModelBlob, sha256 } from '../../../native-bridge/engine/index.js'
import type { EvaluationReport, FloatNetwork } from '../../deploy/index.js'
import { EXIT_OK, UsageError, type Command } from '../command.js'

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Measure a model blob\'s accuracy on the host engine or on a board',
  help: [
    'Usage: spikelab evaluate MODEL.blob [--port PATH | --sim] [--count N] [--seed S] [--float RUN] [--json]',
    '                         [--recording FILE [--ticks N] [--label K]]',
    '',
    'Runs rate-coded held-out MNIST digits (the split recorded in the blob, else the reference',
    '8,000/2,000 split) through the quantized model: on the host RP1 engine by default (preview), or',
    'on a board over the board link — deploying the blob first if the board runs another model.',
    '',
    '  --port PATH   a board on this serial port',
    '  --sim         start the simulated board as a separate process (`spikelab sim board --pty`)',
    '  --count N     digits to run (default 200)',
    '  --seed S      seed of the rate coding (default 1)',
    '  --float RUN   the training run (or .nir) the blob came from: adds float accuracy and disagreements',
    '  --json        print the report as JSON',
    '  --recording F an event recording instead of digits (DVS_POOL models), cut into windows of',
    '                --ticks N ticks (default 100), all labelled K when --label K is given',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    sim: { type: 'boolean' },
    count: { type: 'string' },
    seed: { type: 'string' },
    float: { type: 'string' },
    json: { type: 'boolean' },
    recording: { type: 'string' },
    ticks: { type: 'string' },
    label: { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    if (values.sim && typeof values.port === 'string') throw new UsageError('give --port or --sim, not both')
    const int = (name: string, fallback: number, min: number, max: number): number => {
      const raw = values[name]
      if (raw === undefined) return fallback
      const n = Number(raw)
      if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${String(raw)}'`)
      return n
    }
    const count = int('count', 200, 1, 10_000)
    const seed = int('seed', 1, 0, 2 ** 31)
    // Loaded on use: the deploy layer pulls in TensorFlow.js and h5wasm, which other commands do not need.
    const { DEFAULT_MNIST_DATASET, evaluateOnBoard, loadFloatNetwork, mnistTestSamples, modelMetadata, previewModel, recordingSamples } = await import('../../deploy/index.js')
    const blob = new Uint8Array(await readFile(path.resolve(positionals[0])))
    const { model } = decodeModelBlob(blob)
    const meta = modelMetadata(model)
    const dataset = meta?.dataset ?? DEFAULT_MNIST_DATASET
    const samples = typeof values.recording === 'string'
      ? await recordingSamples(path.resolve(values.recording), model.inputMap, {
          tickUs: model.tickUs,
          ticksPerSample: int('ticks', 100, 1, 10_000),
          label: values.label === undefined ? undefined : int('label', 0, 0, model.outputMap.length - 1),
          maxSamples: count,
        })
      : mnistTestSamples(dataset, { count, tickUs: model.tickUs, seed })
    if (samples.length === 0) throw new UsageError('the recording holds no events')
    let float: FloatNetwork | undefined
    if (typeof values.float === 'string') float = (await loadFloatNetwork(values.float)).network
    const onProgress = process.stderr.isTTY ? (p: { fraction: number; message: string }) => process.stderr.write(`\r${(100 * p.fraction).toFixed(0)} % ${p.message}\x1b[K`) : undefined
    let report: EvaluationReport
    if (!values.sim && typeof values.port !== 'string') {
      report = await previewModel({ blob }, samples, { float, onProgress })
    } else {
      const sim = values.sim ? await startSimBoard() : null
      const portPath = sim ? sim.path : String(values.port)
      const client = new BoardLinkClient(await SerialDuplex.open(portPath))
      try {
        const caps = await client.connect()
        io.err(`connected to ${caps.boardId}`)
        if (!bytesEqual((await client.getCaps()).activeSha256, sha256(blob))) {
          const d = await client.deploy(blob, {
            permanent: true,
            onProgress: (off, total) => process.stderr.isTTY && process.stderr.write(`\rdeploying ${off} / ${total} bytes\x1b[K`),
          })
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
          io.err(`deployed ${d.sha256.slice(0, 16)}… to slot ${d.slot} (${d.bytesSent} bytes sent)`)
        }
        report = await evaluateOnBoard(client, { blob }, samples, { float, onProgress })
      } finally {
        client.close()
        sim?.stop()
      }
    }
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
    if (values.json) {
      io.out(JSON.stringify(report, null, 2))
      return EXIT_OK
    }
    const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)} %`)
    io.out(`${report.target === 'board' ? 'board' : 'host preview'}: ${report.count} samples in ${report.seconds.toFixed(1)} s`)
    io.out(`accuracy ${pct(report.accuracy)} (${report.correct}/${report.labelled})${report.floatAccuracy !== null ? `; float ${pct(report.floatAccuracy)}; agreement ${pct(report.agreement)}, ${report.disagreementCount} disagree` : ''}`)
    io.out(`firing rate (spikes/neuron/tick): ${report.firingRates.map((r) => `layer ${r.layer} ${r.spikesPerNeuronPerTick.toFixed(4)}`).join(', ')}`)
    if (report.saturation) io.out(`membrane at the i16 rail (neuron-ticks): ${report.saturation.map((s) => `layer ${s.layer} ${s.atRail}`).join(', ')}`)
    return EXIT_OK
  },
}

/** `spikelab sim board --pty` as a child process; resolves with the pty path it serves. */
async function startSimBoard(): Promise<{ path: string; stop: () => void }> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, process.argv[1], 'sim', 'board', '--pty'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const ptyPath = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulated board did not start: ${err}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /ready on (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the simulated board exited with ${code}: ${err}`))
    })
  })
  return { path: ptyPath, stop: () => child.kill('SIGTERM') }
}
