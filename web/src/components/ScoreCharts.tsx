import { Area, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Prediction, TimelineEntry } from '../api/schemas';
import { chartPoints, SCORES, type ChartPoint } from '../chart-data';
import { formatDate } from '../format';

const dateTick = (t: number) => formatDate(new Date(t).toISOString());

/** MMSE, CDR-SB and ADAS13 over time; with a prediction, the median forecast and its 80 % band. */
export function ScoreCharts({ entries, prediction }: { entries: readonly TimelineEntry[]; prediction?: Prediction }) {
  return (
    <div className="charts">
      {SCORES.map((score) => {
        const points = chartPoints(entries, prediction, score.id);
        const observed = points.filter((p) => p.observed !== undefined).length;
        return (
          <figure key={score.id} className="chart" data-testid={`chart-${score.id}`} data-points={points.length} data-predicted={prediction ? 'yes' : 'no'}>
            <figcaption>
              {score.label} <span className="muted">({score.better} is better)</span>
            </figcaption>
            {observed === 0 && !prediction ? (
              <p className="state state-empty">No {score.label} recorded.</p>
            ) : (
              <>
                <ResponsiveContainer width="100%" height={220} initialDimension={{ width: 400, height: 220 }}>
                  <ComposedChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke="#d6dbe1" />
                    <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={dateTick} minTickGap={24} />
                    <YAxis domain={score.range as unknown as [number, number]} allowDecimals={false} width={36} />
                    <Tooltip labelFormatter={(t) => dateTick(Number(t))} formatter={tooltipValue} />
                    <Legend />
                    {prediction && (
                      <Area
                        className="prediction-band"
                        dataKey="band"
                        name="80 % interval"
                        stroke="none"
                        fill="#f0a35e"
                        fillOpacity={0.35}
                        isAnimationActive={false}
                        connectNulls
                      />
                    )}
                    <Line dataKey="observed" name="Observed" stroke="#1f5fa8" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} connectNulls />
                    {prediction && (
                      <Line dataKey="predicted" name="Predicted (median)" stroke="#c0531a" strokeDasharray="6 4" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} connectNulls />
                    )}
                  </ComposedChart>
                </ResponsiveContainer>
                <ScoreTable points={points} label={score.label} />
              </>
            )}
          </figure>
        );
      })}
    </div>
  );
}

function tooltipValue(value: unknown, name: unknown): [string, string] {
  if (Array.isArray(value)) return [`${value[0]}–${value[1]}`, String(name)];
  return [String(value), String(name)];
}

/** The same numbers as a table, for screen readers and for anyone who wants the figures. */
function ScoreTable({ points, label }: { points: ChartPoint[]; label: string }) {
  return (
    <details className="score-table">
      <summary>{label} values</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Observed</th>
            <th scope="col">Predicted</th>
            <th scope="col">80 % interval</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={`${p.t}-${p.horizon ?? 'obs'}`}>
              <td>
                {dateTick(p.t)}
                {p.horizon ? ` (+${p.horizon})` : ''}
              </td>
              <td>{p.observed ?? '—'}</td>
              <td>{p.horizon ? p.predicted : '—'}</td>
              <td>{p.horizon && p.band ? `${p.band[0]}–${p.band[1]}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
