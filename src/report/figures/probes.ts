// Per-class linear-probe accuracy over tasks (representation-strength tables, docs/metrics.md): how well
// a linear classifier on the frozen features still separates each class after each task, next to
// the network's own accuracy on the tasks seen so far.
import { acrossMembers } from '../arrays.js';
import { curveChart, curvePoint, type CurvePoint, type Figure, type FigureContext } from '../figure.js';

/** The arrays this figure draws (the probes metric, src/cl/metrics/probes.ts, writes them at each task's end). */
export const PROBE_ARRAYS = { perClass: 'probe_class_accuracy', overall: 'probe_accuracy_seen', network: 'accuracy' } as const;

// The two summaries in black and grey, so that the ten classes keep ten distinct colours.
const PROBE_SERIES = 'probe, all classes';
const NETWORK_SERIES = 'network, seen tasks';
const SUMMARY_COLORS: ReadonlyMap<string, string> = new Map([
  [PROBE_SERIES, '#222222'],
  [NETWORK_SERIES, '#8c8c8c'],
]);

export function probeFigures(context: FigureContext): Figure[] {
  const { run } = context;
  const points: CurvePoint[] = [];
  let anyProbe = false;
  for (const { index: task } of run.tasks) {
    const x = task + 1;
    context.attempt('probe_accuracy', () => {
      const file = run.taskFile(task, 'metrics.npz');
      // Named exactly: a loose pattern also caught probe_class_coefficient_norm (values above 1).
      const perClass = run.array(file, PROBE_ARRAYS.perClass, [3], '(L, R, C)');
      anyProbe = true;
      const last = perClass.shape[0] - 1;
      for (let c = 0; c < perClass.shape[2]; c++) {
        const point = curvePoint(x, `class ${c}`, acrossMembers(perClass, last, c), [0, 1]);
        if (point) points.push(point);
      }
      if (!run.npz(file).has(PROBE_ARRAYS.overall)) return;
      const overall = run.array(file, PROBE_ARRAYS.overall, [2], '(L, R)');
      const point = curvePoint(x, PROBE_SERIES, acrossMembers(overall, overall.shape[0] - 1), [0, 1]);
      if (point) points.push(point);
    });
    // The network's accuracy on the tasks seen so far, for comparison with the probe.
    context.attempt('probe_accuracy', () => {
      const accuracy = run.array(run.taskFile(task, 'metrics.npz'), PROBE_ARRAYS.network, [3], '(L, R, T_eval)');
      const last = accuracy.shape[0] - 1;
      const seen = Math.min(task + 1, accuracy.shape[2]);
      const perMember = Array.from({ length: accuracy.shape[1] }, (_, r) => {
        let sum = 0;
        for (let j = 0; j < seen; j++) sum += accuracy.at(last, r, j);
        return sum / seen;
      });
      const point = curvePoint(x, NETWORK_SERIES, perMember, [0, 1]);
      if (point) points.push(point);
    });
  }
  if (!anyProbe) return [];
  const xLabels = new Map(run.tasks.map(({ index }) => [index + 1, context.taskLabel(index)]));
  const series = [...new Set(points.map((p) => p.series))];
  const order = [...series.filter((s) => !s.startsWith('class ')), ...series.filter((s) => s.startsWith('class ')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))];
  return [
    {
      id: 'probe_accuracy',
      section: 'Representations',
      title: 'Per-class probe accuracy over tasks',
      caption:
        'Test accuracy of the linear probe on the frozen last hidden layer, per class and over the seen classes, at the end of each task, next to the network\u2019s own accuracy averaged over the tasks seen so far (mean ± sd over members). From task_*/metrics.npz: probe_class_accuracy, probe_accuracy_seen and accuracy.',
      arrays: Object.values(PROBE_ARRAYS),
      spec: curveChart({ points, title: 'Linear-probe accuracy per class', xTitle: 'after training task', yTitle: 'test accuracy', seriesTitle: 'series', yDomain: [0, 1], seriesOrder: order, dashed: order.filter((s) => !s.startsWith('class ')), seriesColors: SUMMARY_COLORS, discreteX: true, xLabels, width: 560, height: 300 }),
    },
  ];
}
