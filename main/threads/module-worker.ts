import { Worker } from 'node:worker_threads'

/**
 * Starts a worker thread on the module next to `fromUrl` named `name` (without extension). Built,
 * that is `name.js`; under the test runner and tsx the caller is TypeScript source, so the worker
 * registers tsx first and then imports `name.ts`.
 */
export function spawnModuleWorker(fromUrl: string, name: string, workerData: unknown): Worker {
  if (!fromUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, fromUrl), { workerData })
  const entry = new URL(`./${name}.ts`, fromUrl).href
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(bootstrap, { eval: true, workerData })
}
