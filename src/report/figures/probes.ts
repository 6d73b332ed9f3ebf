// Per-class linear-probe accuracy over tasks (representation-strength tables, docs/metrics.md): how well
// a linear classifier on the frozen features still separates each class after each task, next to
// the network's own accuracy on the tasks seen so far.
import { acrossMembers } from '../arrays.js';
import { curveChart, curvePoint, type CurvePoint, type Figure, type FigureContext } from '../figure.js';
import { MissingData } from '../run-data.js';

const PROBE = /probe/i;
const PER_CLASS = /class/i;

export function probeFigures(context: FigureContext): Figure[] {
  const { run } = context;
  const points: CurvePoint[] = [];
  let anyProbe = false;
  for (const { index: task } of run.tasks) {
    const x = task + 1;
    context.attempt('probe_accuracy', () => {
      const file = run.taskFile(task, 'metrics.npz');
      const keys = [...run.npz(file).keys()].filter((k) => PROBE.test(k));
      if (keys.length === 0) throw new MissingData(`${file}:probe_*`, 'no linear-probe arrays (names containing "probe")');
      anyProbe = true;
      const overall = keys.filter((k) => !PER_CLASS.test(k));
      for (const key of keys) {
        const perClass = PER_CLASS.test(key);
        const grid = run.array(file, key, perClass ? [3] : [2], perClass ? '(L, R, C)' : '(L, R)');
        const last = grid.shape[0] - 1;
        if (perClass) {
          for (let c = 0; c < grid.shape[2]; c++) {
            const point = curvePoint(x, `class ${c}`, acrossMembers(grid, last, c), [0, 1]);
            if (point) points.push(point);
          }
        } else {
          const point = curvePoint(x, overall.length === 1 ? 'probe, all classes' : key, acrossMembers(grid, last), [0, 1]);
          if (point) points.push(point);
        }
      }
    });
    // The network's accuracy on the tasks seen so far, for comparison with the probe.
    context.attempt('probe_accuracy', () => {
      const accuracy = run.array(run.taskFile(task, 'metrics.npz'), 'accuracy', [3], '(L, R, T_eval)');
      const last = accuracy.shape[0] - 1;
      const seen = Math.min(task + 1, accuracy.shape[2]);
      const perMember = Array.from({ length: accuracy.shape[1] }, (_, r) => {
        let sum = 0;
        for (let j = 0; j < seen; j++) sum += accuracy.at(last, r, j);
        return sum / seen;
      });
      const point = curvePoint(x, 'network, seen tasks', perMember, [0, 1]);
      if (point) points.push(point);
    });
  }
  if (!anyProbe) return [];
  const series = [...new Set(points.map((p) => p.series))];
  const order = [...series.filter((s) => !s.startsWith('class ')), ...series.filter((s) => s.startsWith('class ')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))];
  return [
    {
      id: 'probe_accuracy',
      section: 'Representations',
      title: 'Per-class probe accuracy over tasks',
      caption:
        'Test accuracy of the linear probe on frozen features, per class and overall, at the end of each task, next to the network\u2019s own average accuracy on the tasks seen so far (mean ± sd over members). From task_*/metrics.npz (arrays named *probe*).',
      spec: curveChart({ points, title: 'Linear-probe accuracy per class', xTitle: 'after training task', yTitle: 'test accuracy', seriesTitle: 'series', yDomain: [0, 1], seriesOrder: order, dashed: order.filter((s) => !s.startsWith('class ')), discreteX: true, width: 520 }),
    },
  ];
}
