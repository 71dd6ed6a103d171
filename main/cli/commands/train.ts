import path from 'node:path'
import { TrainingConfig, type TrainingRun } from '../../../common/contract/schemas.js'
import { JobRegistry } from '../../lab/jobs.js'
import { defaultLabFolder } from '../../lab/lab.js'
import { ModelStore } from '../../lab/training/model-store.js'
import { TrainingService } from '../../lab/training/training-service.js'
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../command.js'

/** Flag → TrainingConfig field, with the reference run's values (performance-anchors.md) as defaults. */
const FIELDS = {
  method: { field: 'method', fallback: 'bptt', kind: 'text' },
  epochs: { field: 'epochs', fallback: 5, kind: 'number' },
  batch: { field: 'batchSize', fallback: 128, kind: 'number' },
  steps: { field: 'steps', fallback: 25, kind: 'number' },
  lr: { field: 'learningRate', fallback: 5e-4, kind: 'number' },
  hidden: { field: 'hidden', fallback: 1000, kind: 'number' },
  beta: { field: 'beta', fallback: 0.95, kind: 'number' },
  encoding: { field: 'encoding', fallback: 'rate', kind: 'text' },
  train: { field: 'trainCount', fallback: 8000, kind: 'number' },
  test: { field: 'testCount', fallback: 2000, kind: 'number' },
  seed: { field: 'seed', fallback: 0, kind: 'number' },
  backend: { field: 'backend', fallback: 'auto', kind: 'text' },
} as const

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a spiking network (in a worker thread); the run and its checkpoints go to the lab catalog',
  help: [
    'Usage: spikelab train [--method bptt] [--epochs N] [--hidden H] [--steps T] [--batch B] [--lr X]',
    '                      [--beta B] [--encoding rate|latency] [--train N] [--test N] [--seed S]',
    '                      [--backend auto|wasm|cpu] [--lab DIR] [--json]',
    '',
    'Defaults are the reference run of performance-anchors.md: 784-1000-10 LIF, β 0.95, T 25, batch 128,',
    'Adam 5e-4, rate-coded MNIST, 8,000 training and 2,000 test digits, 5 epochs.',
    'Ctrl+C cancels; the last checkpoint stays usable in <lab>/models/<run>/.',
    '',
    '  --method M    training method (snn-methods.md)',
    '  --lab DIR     lab folder (default ~/Spikelab or $SPIKELAB_LAB_FOLDER)',
    '  --json        print the finished run as JSON',
  ].join('\n'),
  options: {
    ...Object.fromEntries(Object.keys(FIELDS).map((k) => [k, { type: 'string' as const }])),
    lab: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run({ values }, io) {
    const raw: Record<string, unknown> = {}
    for (const [flag, { field, fallback, kind }] of Object.entries(FIELDS)) {
      const given = values[flag]
      if (typeof given !== 'string') raw[field] = fallback
      else if (kind === 'number') {
        const n = Number(given)
        if (given.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got '${given}'`)
        raw[field] = n
      } else raw[field] = given
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
    const training = new TrainingService(labFolder, jobs, (run) => {
      final = run
      for (const h of run.history.slice(lastEpochs)) {
        if (tty) process.stderr.write('\r\x1b[K')
        const test = h.testAccuracy === null ? '' : `, test accuracy ${(100 * h.testAccuracy).toFixed(2)} %`
        io.err(`epoch ${h.epoch}: loss ${h.trainLoss.toFixed(4)}, train accuracy ${(100 * h.trainAccuracy).toFixed(2)} %${test}, ${h.samplesPerSecond.toFixed(0)} samples/s`)
      }
      lastEpochs = run.history.length
    }, (backend) => io.err(`backend: ${backend}`), models)
    const { jobId, runId } = training.start(parsed.data)
    io.err(`run ${runId} (${parsed.data.method}) in ${path.join(training.modelsFolder, runId)}`)
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
