/**
 * The two tables the Analysis view exports as CSV: per-unit statistics of a spike file, and the
 * cluster membership of a classification (with each cell's position on the divergence map).
 */
import type { ClassificationView, UnitStatisticsRow } from '../../../common/contract/schemas.js'
import { formatCsv, type ElectrodeInfo, type SpikeRecording, type UnitStatistics } from '../../spikes/index.js'

/** "id (location)" per electrode, joined by "; "; null when the unit has none. */
export function electrodeText(electrodes: readonly ElectrodeInfo[] | undefined): string | null {
  if (!electrodes || electrodes.length === 0) return null
  return electrodes.map((e) => (e.location ? `${e.id} (${e.location})` : String(e.id))).join('; ')
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null)

export function statisticsRows(rec: SpikeRecording, stats: readonly UnitStatistics[]): UnitStatisticsRow[] {
  return stats.map((r, u) => ({
    ...r,
    rateHz: finite(r.rateHz),
    cv: finite(r.cv),
    cv2: finite(r.cv2),
    lv: finite(r.lv),
    lvr: finite(r.lvr),
    fano: finite(r.fano),
    electrode: electrodeText(rec.units[u]?.electrodes),
  }))
}

export const STATISTICS_COLUMNS = ['unit', 'label', 'electrode', 'spikes', 'rate_hz', 'cv', 'cv2', 'lv', 'lvr', 'fano'] as const

export function statisticsCsv(rows: readonly UnitStatisticsRow[]): string {
  return formatCsv(
    STATISTICS_COLUMNS,
    rows.map((r) => [r.unit, r.label, r.electrode, r.spikes, r.rateHz, r.cv, r.cv2, r.lv, r.lvr, r.fano]),
  )
}

export const CLUSTER_COLUMNS = ['unit_index', 'unit', 'label', 'cluster', 'map_x', 'map_y'] as const

export function clustersCsv(view: ClassificationView): string {
  return formatCsv(
    CLUSTER_COLUMNS,
    view.units.map((u, i) => [i, u.id, u.label, u.cluster, view.map.x[i], view.map.y[i]]),
  )
}
