import type { EvaluationMetrics } from './score-forecasts.js';

/**
 * A Markdown table of evaluation metrics (docs/MODEL.md and the `eval:model` output).
 *
 * @example
 * console.log(metricsTable(metrics)); // | score | horizon | n | model MAE | LOCF MAE | linear MAE | 80 % coverage |
 */
export function metricsTable(metrics: EvaluationMetrics): string {
  const names: Record<string, string> = { mmse: 'MMSE', cdr: 'CDR-SB', adas: 'ADAS13' };
  const lines = ['| score | horizon | n | model MAE | LOCF MAE | linear-trend MAE | 80 % interval coverage |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const [score, perHorizon] of Object.entries(metrics)) {
    for (const [horizon, m] of Object.entries(perHorizon)) {
      const best = m.mae.model < m.mae.locf && m.mae.model < m.mae.linear;
      const model = best ? `**${m.mae.model.toFixed(3)}**` : m.mae.model.toFixed(3);
      lines.push(`| ${names[score] ?? score} | ${horizon.replace('_months', ' mo')} | ${m.n} | ${model} | ${m.mae.locf.toFixed(3)} | ${m.mae.linear.toFixed(3)} | ${(m.coverage80 * 100).toFixed(1)} % |`);
    }
  }
  return lines.join('\n');
}
