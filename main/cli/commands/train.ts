import path from 'node:path'
import { TrainingConfig, TrainingMethodId, type TrainingRun } from '../../../common/contract/schemas.js'
import { JobRegistry } from '../../lab/jobs.js'
import { defaultLabFolder } from '../../lab/lab.js'
import { normaliseHostUrl } from '../../lab/training/compute-hosts.js'
import { ModelStore } from '../../lab/training/model-store.js'
import { RemoteTraining } from '../../lab/training/remote-training.js'
import { methodDefaults, TrainingService } from '../../lab/training/training-service.js'
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../command.js'

/** Flag → TrainingConfig field; what is not given comes from the method's defaults (methodDefaults). */
const FIELDS = {
  epochs: { field: 'epochs', kind: 'number' },
  batch: { field: 'batchSize', kind: 'number' },
  steps: { field: 'steps', kind: 'number' },
  lr: { field: 'learningRate', kind: 'number' },
  'lr-drops': { field: 'learningRateDrops', kind: 'epochs' },
  'lr-gamma': { field: 'learningRateGamma', kind: 'number' },
  hidden: { field: 'hidden', kind: 'number' },
  beta: { field: 'beta', kind: 'number' },
  encoding: { field: 'encoding', kind: 'text' },
  train: { field: 'trainCount', kind: 'number' },
  test: { field: 'testCount', kind: 'number' },
  seed: { field: 'seed', kind: 'number' },
  backend: { field: 'backend', kind: 'text' },
  task: { field: 'task', kind: 'text' },
  decoding: { field: 'decoding', kind: 'text' },
  model: { field: 'model', kind: 'text' },
  dataset: { field: 'dataset', kind: 'text' },
  shift: { field: 'augmentShift', kind: 'number' },
  readout: { field: 'readout', kind: 'text' },
  'init-rate': { field: 'initFiringRate', kind: 'number' },
  'event-folder': { field: 'eventFolder', kind: 'path' },
  arch: { field: 'architecture', kind: 'text' },
  channels: { field: 'channels', kind: 'number' },
} as const

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a spiking network (in a worker thread); the run and its checkpoints go to the lab catalog',
  help: [
    'Usage: spikelab train [--method bptt|coarse|ide|vdib] [--epochs N] [--hidden H] [--steps T] [--batch B] [--lr X]',
    '                      [--lr-drops E1,E2… --lr-gamma G]   (coarse and IDE: the rate ×G after each listed epoch)',
    '                      [--beta B] [--encoding rate|latency] [--train N] [--test N] [--seed S]',
    '                      [--backend auto|wasm|cpu] [--task predictive-coding|mnist-reconstruction]',
    '                      [--decoding time|rate] [--model fc|hidden|conv|conv2|lenet5|lenet5-analog]',
    '                      [--dataset mnist|emulated-nmnist|event-folder [--event-folder DIR]] [--shift PX]',
    '                      [--readout count-then-drive|count] [--init-rate R]',
    '                      [--arch fc|conv [--channels C]]',
    '                      [--lab DIR] [--json]',
    '                      [--host URL --token T [--allow-insecure]]',
    '',
    'Defaults are each method\'s own (snn-methods.md); for BPTT the reference run of performance-anchors.md:',
    '784-1000-10 LIF, β 0.95, T 25, batch 128, Adam 5e-4, rate-coded MNIST, 8,000/2,000 digits, 5 epochs.',
    'IDE reads --beta as the feedback layer\'s leak; VDIB as the KL weight (--task and --decoding are VDIB\'s);',
    'the coarse LIF as its per-interval decay e^(−1/τ) (--model, --dataset, --shift, training digits moved by',
    'up to PX pixels, and --readout are the coarse LIF\'s; --readout count breaks ties of the output spike counts',
    'by lowest class as the paper code does, count-then-drive, the default, by the summed input; --init-rate R',
    'scales each hidden unit to fire about R spikes per interval before training, 0 = off, the default).',
    'IDE\'s --arch picks the feedback net: fc (784-H⟲-10, --hidden H; the default) or conv (64C5s: Conv k5 s2 + BN,',
    'feedback Conv k5, FC readout on the rates; --channels C, 64 in the spec); it reads --dataset mnist|emulated-nmnist',
    '(N-MNIST-like spike frames, 34×34×2: the conv then uses the spec\'s N-MNIST geometry, k5 s2 p1 → 16×16).',
    'Ctrl+C cancels; the last checkpoint stays usable in <lab>/models/<run>/.',
    '',
    '  --method M    training method (snn-methods.md)',
    '  --lab DIR     lab folder (default ~/Spikelab or $SPIKELAB_LAB_FOLDER)',
    '  --json        print the finished run as JSON',
    '  --host URL    train on a compute host (`spikelab serve --token T` elsewhere): wss://HOST:PORT, or',
    '                ws://127.0.0.1:PORT through an SSH tunnel; progress streams here, the run is recorded',
    '                in this lab, the weights stay on the host',
    '  --token T     the host\'s token (or $SPIKELAB_TOKEN, which other users cannot see in the process list)',
    '  --allow-insecure  allow plain ws:// to another machine (sends the token and data unencrypted)',
  ].join('\n'),
  options: {
    method: { type: 'string' },
    ...Object.fromEntries(Object.keys(FIELDS).map((k) => [k, { type: 'string' as const }])),
    lab: { type: 'string' },
    json: { type: 'boolean' },
    host: { type: 'string' },
    token: { type: 'string' },
    'allow-insecure': { type: 'boolean' },
  },
  positionals: [0, 0],
  async run({ values }, io) {
    const method = TrainingMethodId.safeParse(values.method ?? 'bptt')
    if (!method.success) throw new UsageError(`--method must be one of ${TrainingMethodId.options.join(', ')}, got '${String(values.method)}'`)
    const raw: Record<string, unknown> = { ...methodDefaults(method.data) }
    for (const [flag, { field, kind }] of Object.entries(FIELDS)) {
      const given = values[flag]
      if (typeof given !== 'string') continue
      if (kind === 'number') {
        const n = Number(given)
        if (given.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got '${given}'`)
        raw[field] = n
      } else if (kind === 'epochs') {
        // "30,40" → [30, 40]; "none" or "" → no schedule
        const list = given.trim() === '' || given === 'none' ? [] : given.split(',').map((e) => Number(e.trim()))
        if (list.some((e) => !Number.isInteger(e))) throw new UsageError(`--${flag} must be epoch numbers separated by commas (or none), got '${given}'`)
        raw[field] = list
      } else raw[field] = kind === 'path' ? path.resolve(given) : given
    }
    const parsed = TrainingConfig.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const flag = Object.entries(FIELDS).find(([, f]) => f.field === issue.path[0])?.[0] ?? String(issue.path[0])
      throw new UsageError(`--${flag}: ${issue.message}`)
    }
    const labFolder = typeof values.lab === 'string' ? path.resolve(values.lab) : defaultLabFolder()
    const tty = process.stderr.isTTY
    let lastEpochs = 0
    const jobs = new JobRegistry((job) => {
      if (!tty || job.state !== 'running' || job.progress === null) return
      const bar = '#'.repeat(Math.round(job.progress * 30)).padEnd(30, '.')
      process.stderr.write(`\r[${bar}] ${(job.progress * 100).toFixed(0).padStart(3)} %  ${job.message}  ETA ${(job.etaSeconds ?? 0).toFixed(0)} s\x1b[K`)
    })
    const models = new ModelStore(path.join(labFolder, 'catalog.sqlite'))
    let final: TrainingRun | undefined
    let backendShown = false
    const onUpdate = (run: TrainingRun) => {
      final = run
      if (run.host !== 'local' && run.backend && !backendShown) {
        backendShown = true
        io.err(`backend on ${run.host}: ${run.backend}`)
      }
      for (const h of run.history.slice(lastEpochs)) {
        if (tty) process.stderr.write('\r\x1b[K')
        const test = h.testAccuracy === null ? '' : `, test accuracy ${(100 * h.testAccuracy).toFixed(2)} %`
        io.err(`epoch ${h.epoch}: loss ${h.trainLoss.toFixed(4)}, train accuracy ${(100 * h.trainAccuracy).toFixed(2)} %${test}, ${h.samplesPerSecond.toFixed(0)} samples/s`)
      }
      lastEpochs = run.history.length
    }
    const training = new TrainingService(labFolder, jobs, onUpdate, (backend) => io.err(`backend: ${backend}`), models)
    let started: { jobId: string; runId: string }
    if (typeof values.host === 'string') {
      const { url, token: inUrl } = normaliseHostUrl(values.host, values['allow-insecure'] === true)
      const token = typeof values.token === 'string' ? values.token : (process.env.SPIKELAB_TOKEN ?? inUrl)
      if (!token) {
        models.close()
        throw new UsageError('--host needs the host\'s token: --token T or $SPIKELAB_TOKEN')
      }
      const name = new URL(url).host
      started = await new RemoteTraining(jobs, models, onUpdate).start(parsed.data, { name, url, token }).catch((err: unknown) => {
        models.close()
        throw err
      })
      io.err(`run ${started.runId} (${parsed.data.method}) on ${name}; the weights stay there`)
    } else {
      started = training.start(parsed.data)
      io.err(`run ${started.runId} (${parsed.data.method}) in ${path.join(training.modelsFolder, started.runId)}`)
    }
    const { jobId, runId } = started
    const onSignal = () => jobs.cancel(jobId)
    process.once('SIGINT', onSignal)
    try {
      const job = await jobs.settled(jobId)
      await training.idle()
      if (tty) process.stderr.write('\r\x1b[K')
      if (values.json) io.out(JSON.stringify(final))
      if (job.state === 'done') {
        if (!values.json) io.out(`done: ${runId}, weights in ${final?.folder}`)
        return EXIT_OK
      }
      io.err(job.state === 'cancelled' ? `cancelled; the last checkpoint is in ${final?.folder}` : `failed: ${job.error}`)
      return EXIT_FAILED
    } finally {
      process.off('SIGINT', onSignal)
      models.close()
    }
  },
}
