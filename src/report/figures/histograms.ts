// Weight and bias histograms per task: the distribution of every layer's weights and
// biases at the end of each task, pooled over members. Seed 001 read the negative drift of the
// biases from these, the network switching old units off.
import { finiteRange, histogram } from '../arrays.js';
import { topLevel, type Figure, type FigureContext } from '../figure.js';
import { parametersOf, type Parameter } from './parameters.js';

const BINS = 40;

function histogramFigure(context: FigureContext, kind: 'weight' | 'bias', perTask: Map<number, Parameter[]>): Figure | undefined {
  // One bin range per layer, shared by all tasks, so that a drift shows as a shift.
  const byLayer = new Map<string, { task: number; values: ArrayLike<number> }[]>();
  for (const [task, parameters] of perTask) {
    for (const p of parameters) {
      if (p.kind !== kind) continue;
      const last = p.grid.shape[0] - 1;
      const list = byLayer.get(p.layer) ?? [];
      list.push({ task, values: p.grid.block(last) });
      byLayer.set(p.layer, list);
    }
  }
  if (byLayer.size === 0) return undefined;
  const rows: { task: string; layer: string; start: number; end: number; count: number }[] = [];
  for (const [layer, snapshots] of byLayer) {
    const [lo, hi] = finiteRange(snapshots.map((s) => s.values));
    for (const { task, values } of snapshots) {
      for (const bin of histogram(values, lo, hi, BINS)) rows.push({ task: context.taskLabel(task), layer, ...bin });
    }
  }
  const tasks = [...perTask.keys()].sort((a, b) => a - b).map((t) => context.taskLabel(t));
  const noun = kind === 'weight' ? 'Weight' : 'Bias';
  return {
    id: `${kind}_histograms`,
    section: 'Weights and biases',
    title: `${noun} histograms per task`,
    caption: `${noun} values of each layer (columns) at the end of each task (rows), pooled over members, in ${BINS} bins shared by the tasks of a layer; bars are counts. From task_*/weights.npz.`,
    spec: topLevel({
      title: `${noun} histograms at the end of each task`,
      data: { values: rows },
      facet: {
        row: { field: 'task', type: 'ordinal', sort: tasks, title: null, header: { labelAngle: 0, labelAlign: 'left' } },
        column: { field: 'layer', type: 'nominal', sort: [...byLayer.keys()], title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } },
      },
      spec: {
        width: 170,
        height: 52,
        mark: { type: 'rect', color: kind === 'weight' ? '#4c78a8' : '#e45756' },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: kind === 'weight' ? 'weight value' : 'bias value', scale: { zero: false, nice: false }, axis: { tickCount: 4 } },
          x2: { field: 'end' },
          y: { field: 'count', type: 'quantitative', title: 'count', axis: { tickCount: 2 } },
          tooltip: [{ field: 'task' }, { field: 'layer' }, { field: 'start', format: '.3~g' }, { field: 'end', format: '.3~g' }, { field: 'count' }],
        },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    }),
  };
}

export function histogramFigures(context: FigureContext): Figure[] {
  const perTask = new Map<number, Parameter[]>();
  for (const { index } of context.run.tasks) {
    const parameters = context.attempt('weight_histograms', () => parametersOf(context, index));
    if (parameters) perTask.set(index, parameters);
  }
  return (['weight', 'bias'] as const).map((kind) => histogramFigure(context, kind, perTask)).filter((f): f is Figure => f !== undefined);
}
