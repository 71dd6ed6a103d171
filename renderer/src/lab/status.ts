/** Reactive lab status for the status bar and views: connection, app info, jobs. */
import { reactive } from 'vue'
import type { ConnectionState } from '../../../common/contract/lab-api'
import type { AppInfo, JobInfo } from '../../../common/contract/schemas'
import { lab } from './lab'

export const status = reactive({
  connection: lab.connection() as ConnectionState,
  info: null as AppInfo | null,
  jobs: [] as JobInfo[],
  lastError: null as string | null,
})

async function refreshInfo(): Promise<void> {
  try {
    status.info = await lab.request('app.info', {})
    status.jobs = await lab.request('jobs.list', {})
  } catch (err) {
    status.lastError = err instanceof Error ? err.message : String(err)
  }
}

lab.onConnection((state) => {
  status.connection = state
  if (state === 'open') void refreshInfo()
})
lab.on('jobs.update', (job) => {
  const i = status.jobs.findIndex((j) => j.id === job.id)
  if (i >= 0) status.jobs[i] = job
  else status.jobs.push(job)
})
lab.on('training.update', (run) => {
  if (run.backend && status.info) status.info = { ...status.info, computeBackend: run.backend }
})
if (status.connection === 'open') void refreshInfo()
