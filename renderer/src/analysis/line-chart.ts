/** A small chart.js line chart with the Analysis view's axes (one place for the styling). */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController } from 'chart.js'
import { AXIS_GREY } from './colours'

Chart.register(LineController, BarController, BarElement, ScatterController, LineElement, PointElement, LinearScale, CategoryScale, Legend)

export interface Series {
  readonly label: string
  readonly data: readonly (number | null)[]
  readonly colour: string
  /** Drawn as large points only (a marker), not a line: a filled triangle, or an open ring. */
  readonly marker?: 'triangle' | 'ring'
}

export function lineChart(canvas: HTMLCanvasElement, labels: readonly string[], series: readonly Series[], axes: { x: string; y: string; maxTicks?: number }): Chart {
  const axis = { ticks: { color: AXIS_GREY }, grid: { color: 'rgba(128,128,128,0.2)' } }
  return new Chart(canvas, {
    type: 'line',
    data: {
      labels: [...labels],
      datasets: series.map((s) =>
        s.marker
          ? s.marker === 'ring'
            ? { label: s.label, data: [...s.data], borderColor: s.colour, backgroundColor: 'transparent', pointRadius: 9, pointBorderWidth: 2, pointStyle: 'circle', showLine: false }
            : { label: s.label, data: [...s.data], borderColor: s.colour, backgroundColor: s.colour, pointRadius: 6, pointStyle: 'triangle', showLine: false }
          : { label: s.label, data: [...s.data], borderColor: s.colour, backgroundColor: s.colour, pointRadius: 0, borderWidth: 1.5 },
      ),
    },
    options: {
      animation: false,
      responsive: false,
      scales: { x: { ...axis, ticks: { ...axis.ticks, maxTicksLimit: axes.maxTicks ?? 12 }, title: { display: true, text: axes.x, color: AXIS_GREY } }, y: { ...axis, title: { display: true, text: axes.y, color: AXIS_GREY } } },
      plugins: { legend: { labels: { color: AXIS_GREY, boxWidth: 12 } } },
    },
  })
}
