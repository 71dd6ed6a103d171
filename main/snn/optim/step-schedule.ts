/**
 * The multi-step learning-rate schedule (PyTorch's MultiStepLR): the rate is multiplied by `gamma` after
 * each milestone epoch. `epoch` counts from 0, so with milestone m the rate drops from epoch m + 1
 * (1-based) on, as `scheduler.step()` at the end of each epoch does.
 */
export function stepScheduledRate(baseRate: number, milestones: readonly number[], gamma: number, epoch: number): number {
  const passed = milestones.filter((m) => epoch >= m).length
  return baseRate * gamma ** passed
}
