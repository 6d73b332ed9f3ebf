// Per-class probability curves (docs/metrics.md): the mean softmax probability the
// network gives each class during a task. A network that forgets puts nearly all probability on
// the classes of the current task, even for samples of old ones.
import { acrossMembers, type Grid } from '../arrays.js';
import { curveLayers, curvePoint, topLevel, type CurvePoint, type Figure, type FigureContext } from '../figure.js';
import { MissingData } from '../run-data.js';

/** Names under which the experiment may store mean probabilities per class. */
export const PROBABILITY_KEYS = ['class_probabilities', 'class_probability', 'mean_probability', 'mean_probabilities', 'probabilities'];

function probabilityGrid(context: FigureContext, task: number): { grid: Grid; key: string } {
  const file = context.run.taskFile(task, 'metrics.npz');
  const arrays = context.run.npz(file);
  const key = PROBABILITY_KEYS.find((k) => arrays.has(k));
  if (!key) throw new MissingData(`${file}:class_probabilities`, `no array named ${PROBABILITY_KEYS.join(' or ')}`);
  return { grid: context.run.array(file, key, [3, 4], '(L, R, C) or (L, R, T_eval, C)'), key };
}

function curves(grid: Grid, steps: number[], evalTask?: number): CurvePoint[] {
  const classes = grid.shape[grid.ndim - 1];
  const points: CurvePoint[] = [];
  steps.forEach((x, l) => {
    for (let c = 0; c < classes; c++) {
      const values = evalTask === undefined ? acrossMembers(grid, l, c) : acrossMembers(grid, l, evalTask, c);
      const point = curvePoint(x, `class ${c}`, values, [0, 1]);
      if (point) points.push(point);
    }
  });
  return points;
}

export function probabilityFigures(context: FigureContext): Figure[] {
  const figures: Figure[] = [];
  for (const [task, span] of context.timeline.spans) {
    const id = `probabilities_${context.taskId(task)}`;
    const figure = context.attempt(id, (): Figure => {
      const { grid, key } = probabilityGrid(context, task);
      const classes = grid.shape[grid.ndim - 1];
      const order = Array.from({ length: classes }, (_, c) => `class ${c}`);
      const common = { xTitle: context.timeline.axisTitle, yTitle: 'mean probability', seriesTitle: 'class', yDomain: [0, 1] as [number, number], seriesOrder: order };
      let spec;
      let caption: string;
      if (grid.ndim === 3) {
        spec = topLevel(curveLayers({ ...common, points: curves(grid, span.steps), title: `Mean predicted probability per class during ${context.taskLabel(task)}` }));
        caption = 'Mean softmax probability of each class over the evaluation samples, at each log point of the task (mean ± sd over members).';
      } else {
        // One panel per task seen so far: the probabilities given to samples of that task.
        const seen = Math.min(task + 1, grid.shape[2]);
        const panels = Array.from({ length: seen }, (_, j) =>
          curveLayers({ ...common, points: curves(grid, span.steps, j), title: `samples of ${context.taskLabel(j)}`, width: 220, height: 180 }),
        );
        spec = topLevel({ title: `Mean predicted probability per class during ${context.taskLabel(task)}`, hconcat: panels, resolve: { scale: { color: 'shared' } } });
        caption = 'Mean softmax probability of each class on the samples of each task seen so far (one panel per task), at each log point (mean ± sd over members).';
      }
      return { id, arrays: [key], section: 'Predicted probabilities', title: `Class probabilities, ${context.taskLabel(task)}`, caption: `${caption} From ${context.run.taskFile(task, 'metrics.npz')}.`, spec };
    });
    if (figure) figures.push(figure);
  }
  return figures;
}
