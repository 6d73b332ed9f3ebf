// Per-class probability curves (docs/metrics.md) during a task: for the samples of each class, the
// mean softmax probability the network gives that class (true_class_probability). A network that
// forgets drives the old classes' curves to 0 while the current ones stay near 1. The mean
// probability of each output over a task's samples (class_probability) is the fallback for runs
// written before the true-class array: on a two-class task that the network has learnt it sits at
// 0.5 for both classes, which says nothing about forgetting.
import { acrossMembers, type Grid } from '../arrays.js';
import { curveLayers, curvePoint, topLevel, type CurvePoint, type Figure, type FigureContext } from '../figure.js';
import { MissingData } from '../run-data.js';

/** Names under which the experiment may store mean probabilities per class, the preferred first. */
export const PROBABILITY_KEYS = ['true_class_probability', 'class_probabilities', 'class_probability', 'mean_probability', 'mean_probabilities', 'probabilities'];

/**
 * Panels in a row. A panel with its axes is about 300 px wide, so three and the legend fit the
 * report's page (REPORT_PAGE_WIDTH, 1200 px) at full size; five made 1,600 px, which the page shrank
 * to three quarters, tick labels included. Further tasks wrap onto further rows.
 */
const PANEL_COLUMNS = 3;

/** The array that holds, per class, the probability its own samples give it. */
const TRUE_CLASS = 'true_class_probability';

function probabilityGrid(context: FigureContext, task: number): { grid: Grid; key: string } {
  const file = context.run.taskFile(task, 'metrics.npz');
  const arrays = context.run.npz(file);
  const key = PROBABILITY_KEYS.find((k) => arrays.has(k));
  if (!key) throw new MissingData(`${file}:class_probabilities`, `no array named ${PROBABILITY_KEYS.join(' or ')}`);
  return { grid: context.run.array(file, key, [3, 4], '(L, R, C) or (L, R, T_eval, C)'), key };
}

/** One point per class from log point `l` of the grid, drawn at `x`. */
function rowPoints(grid: Grid, l: number, x: number, evalTask?: number): CurvePoint[] {
  const classes = grid.shape[grid.ndim - 1];
  const points: CurvePoint[] = [];
  for (let c = 0; c < classes; c++) {
    const values = evalTask === undefined ? acrossMembers(grid, l, c) : acrossMembers(grid, l, evalTask, c);
    const point = curvePoint(x, `class ${c}`, values, [0, 1]);
    if (point) points.push(point);
  }
  return points;
}

function curves(grid: Grid, steps: number[], evalTask?: number): CurvePoint[] {
  return steps.flatMap((x, l) => rowPoints(grid, l, x, evalTask));
}

/**
 * Where the task starts: the previous task's last log point, which measured every task it tracked.
 * A task's own first log point comes `log_frequency` steps in, by when an old task is usually
 * forgotten already; without this point its panel would be flat at 0 and never show the fall.
 * Undefined for the first task. With `logging.track_tasks=seen` it lacks the current task's column.
 */
function startGrid(context: FigureContext, id: string, task: number, key: string): { grid: Grid; x: number } | undefined {
  const previous = context.timeline.spans.get(task - 1);
  if (!previous) return undefined;
  return context.attempt(id, () => {
    const file = context.run.taskFile(task - 1, 'metrics.npz');
    if (!context.run.npz(file).has(key)) return undefined;
    const grid = context.run.array(file, key, [4], '(L, R, T_eval, C)');
    return { grid, x: previous.steps[previous.steps.length - 1] };
  });
}

export function probabilityFigures(context: FigureContext): Figure[] {
  const figures: Figure[] = [];
  for (const [task, span] of context.timeline.spans) {
    const id = `probabilities_${context.taskId(task)}`;
    const figure = context.attempt(id, (): Figure => {
      const { grid, key } = probabilityGrid(context, task);
      const classes = grid.shape[grid.ndim - 1];
      const order = Array.from({ length: classes }, (_, c) => `class ${c}`);
      const trueClass = key === TRUE_CLASS;
      const yTitle = trueClass ? 'P(true class)' : 'mean probability';
      const common = { xTitle: context.timeline.axisTitle, yTitle, seriesTitle: 'class', yDomain: [0, 1] as [number, number], seriesOrder: order };
      let spec;
      let caption: string;
      if (grid.ndim === 3) {
        spec = topLevel(curveLayers({ ...common, points: curves(grid, span.steps), title: `Mean predicted probability per class during ${context.taskLabel(task)}` }));
        caption = 'Mean softmax probability of each class over the evaluation samples, at each log point of the task (mean ± sd over members).';
      } else {
        // One panel per task seen so far: the probabilities given to samples of that task.
        const seen = Math.min(task + 1, grid.shape[2]);
        const start = startGrid(context, id, task, key);
        const panels = Array.from({ length: seen }, (_, j) => {
          const before = start && j < start.grid.shape[2] ? rowPoints(start.grid, start.grid.shape[0] - 1, start.x, j) : [];
          return curveLayers({ ...common, points: [...before, ...curves(grid, span.steps, j)], title: `samples of ${context.taskLabel(j)}`, width: 230, height: 180 });
        });
        spec = topLevel({ title: `${trueClass ? 'Probability of the true class' : 'Mean predicted probability per class'} during ${context.taskLabel(task)}`, concat: panels, columns: PANEL_COLUMNS, resolve: { scale: { color: 'shared' } } });
        caption = trueClass
          ? 'For the samples of each class of each task seen so far (one panel per task), the mean softmax probability the network gives their true class, at each log point (mean ± sd over members): 1 for a class it recognises, 0 for one it has forgotten.'
          : 'Mean softmax probability of each class on the samples of each task seen so far (one panel per task), at each log point (mean ± sd over members).';
        if (start) caption += ' The first point is the end of the previous task, where this one starts.';
      }
      return { id, arrays: [key], section: 'Predicted probabilities', title: `Class probabilities, ${context.taskLabel(task)}`, caption: `${caption} From ${context.run.taskFile(task, 'metrics.npz')}.`, spec };
    });
    if (figure) figures.push(figure);
  }
  return figures;
}
