// How much each layer moves: relative updates ‖Δw‖/‖w‖ per layer over time, and gradient maps
// (accumulated gradient magnitude per weight or unit, per task). When the experiment saved these
// as metrics (relative_update/<layer>, grad.../<layer>) they are drawn as saved; otherwise they are
// derived from the weight snapshots of weights.npz, and the captions say so: between two log
// points, ‖w_l − w_(l−1)‖/‖w_(l−1)‖, and Σ_l |w_l − w_(l−1)| over a task.
import { acrossMembers, distance, norm, type Grid } from '../arrays.js';
import { curveChart, curvePoint, taskBoundaries, topLevel, type CurvePoint, type Figure, type FigureContext } from '../figure.js';
import { heatmapLayers } from '../heatmap.js';
import { MissingData } from '../run-data.js';
import { matrixShape, parametersOf } from './parameters.js';

const RELATIVE_UPDATE = /^(relative_updates?|rel_updates?)[/.](.+)$/i;
const GRADIENT = /^(grad|gradient)[a-z_]*[/.](.+)$/i;

/** Whether any task saved a metric whose key matches `pattern` (absent files are reported elsewhere). */
function savedMetric(context: FigureContext, pattern: RegExp): boolean {
  return context.run.tasks.some(({ index }) => {
    const file = context.run.taskFile(index, 'metrics.npz');
    return context.run.has(file, 'npz') && [...context.run.npz(file).keys()].some((k) => pattern.test(k));
  });
}

function savedRelativeUpdates(context: FigureContext): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const [task, span] of context.timeline.spans) {
    context.attempt('relative_updates', () => {
      const file = context.run.taskFile(task, 'metrics.npz');
      for (const key of context.run.npz(file).keys()) {
        const match = RELATIVE_UPDATE.exec(key);
        if (!match) continue;
        const grid = context.run.array(file, key, [2], '(L, R)');
        span.steps.forEach((x, l) => {
          const point = curvePoint(x, match[2], acrossMembers(grid, l));
          if (point) points.push(point);
        });
      }
    });
  }
  return points;
}

/** Walks the weight snapshots of all tasks in order, giving each snapshot and the one before it. */
function forEachUpdate(
  context: FigureContext,
  figure: string,
  visit: (task: number, l: number, layer: string, grid: Grid, previous: (member: number) => ArrayLike<number> | undefined) => void,
): void {
  let lastOfPrevious = new Map<string, Grid>();
  let previousTask = -2;
  for (const { index: task } of context.run.tasks) {
    const parameters = context.attempt(figure, () => parametersOf(context, task));
    if (!parameters) {
      lastOfPrevious = new Map();
      continue;
    }
    const current = new Map<string, Grid>();
    for (const p of parameters) {
      if (p.kind !== 'weight') continue;
      current.set(p.layer, p.grid);
      // The first snapshot of a task is compared with the last of the task just before, if saved.
      const before = previousTask === task - 1 ? lastOfPrevious.get(p.layer) : undefined;
      for (let l = 0; l < p.grid.shape[0]; l++) {
        const previous = (member: number) => (l > 0 ? p.grid.block(l - 1, member) : before?.block(before.shape[0] - 1, member));
        visit(task, l, p.layer, p.grid, previous);
      }
    }
    lastOfPrevious = current;
    previousTask = task;
  }
}

function derivedRelativeUpdates(context: FigureContext): CurvePoint[] {
  const points: CurvePoint[] = [];
  forEachUpdate(context, 'relative_updates', (task, l, layer, grid, previous) => {
    const span = context.timeline.spans.get(task);
    if (!span || span.steps.length !== grid.shape[0]) return;
    const values: number[] = [];
    for (let r = 0; r < grid.shape[1]; r++) {
      const before = previous(r);
      if (!before) return;
      const size = norm(before);
      values.push(size > 0 ? distance(grid.block(l, r), before) / size : NaN);
    }
    const point = curvePoint(span.steps[l], layer, values);
    if (point && point.mean > 0) points.push(point);
  });
  return points;
}

export function relativeUpdateFigures(context: FigureContext): Figure[] {
  const saved = savedMetric(context, RELATIVE_UPDATE);
  const points = saved ? savedRelativeUpdates(context) : derivedRelativeUpdates(context);
  if (points.length === 0) return [];
  const caption = saved
    ? 'Relative update ‖Δw‖/‖w‖ of each layer as saved by the experiment (task_*/metrics.npz:relative_update/*), mean ± sd over members.'
    : 'Relative change ‖w_l − w_(l−1)‖/‖w_(l−1)‖ of each layer\u2019s weights between consecutive log points, derived from task_*/weights.npz (mean ± sd over members).';
  return [
    {
      id: 'relative_updates',
      section: 'Weights and biases',
      title: 'Relative updates per layer',
      caption: `${caption} Dashed lines mark task boundaries.`,
      spec: curveChart({
        points,
        title: 'Relative weight updates per layer',
        xTitle: context.timeline.axisTitle,
        yTitle: '‖Δw‖ / ‖w‖',
        seriesTitle: 'layer',
        boundaries: taskBoundaries(context),
        logY: true,
      }),
    },
  ];
}

interface LayerMap {
  layer: string;
  rows: number;
  cols: number;
  values: Float64Array;
}

/** A layer's saved gradient magnitude per unit, (L, R, H): one value per unit and member. */
interface UnitProfile {
  layer: string;
  key: string;
  /** [member][unit] at the last log point. */
  members: Float64Array[];
}

function savedGradientMaps(context: FigureContext, task: number): { maps: LayerMap[]; profiles: UnitProfile[] } {
  const file = context.run.taskFile(task, 'metrics.npz');
  const maps: LayerMap[] = [];
  const profiles: UnitProfile[] = [];
  for (const key of context.run.npz(file).keys()) {
    const match = GRADIENT.exec(key);
    if (!match) continue;
    const grid = context.run.array(file, key, [3, 4, 5, 6], '(L, R, units) or (L, R, out, ...)');
    const last = grid.shape[0] - 1;
    if (grid.ndim === 3) {
      // One value per unit: a profile along the units, every member drawn, not a one-row heatmap.
      profiles.push({ layer: match[2], key, members: Array.from({ length: grid.shape[1] }, (_, r) => Float64Array.from(grid.block(last, r))) });
      continue;
    }
    const { member } = context.options;
    if (member >= grid.shape[1]) throw new MissingData(`${file}:${key}`, `has ${grid.shape[1]} members; member ${member} was asked for`);
    maps.push({ layer: match[2], ...matrixShape(grid), values: Float64Array.from(grid.block(last, member)) });
  }
  return { maps, profiles };
}

/** One line per member over the units of a layer. */
function profileLayer(profile: UnitProfile, what: string): Record<string, unknown> {
  const values = profile.members.flatMap((units, r) => Array.from(units, (value, unit) => ({ unit, value, member: `member ${r}` })));
  return {
    title: profile.layer,
    width: 520,
    height: 140,
    data: { values },
    mark: { type: 'line', strokeWidth: 1 },
    encoding: {
      x: { field: 'unit', type: 'quantitative', title: 'unit' },
      y: { field: 'value', type: 'quantitative', title: what },
      color: { field: 'member', type: 'nominal', title: 'member' },
      tooltip: [{ field: 'member' }, { field: 'unit' }, { field: 'value', format: '.4~g' }],
    },
  };
}

function derivedGradientMaps(context: FigureContext): Map<number, LayerMap[]> {
  const { member } = context.options;
  const out = new Map<number, LayerMap[]>();
  forEachUpdate(context, 'gradient_maps', (task, l, layer, grid, previous) => {
    if (member >= grid.shape[1]) return;
    const before = previous(member);
    if (!before) return;
    const maps = out.get(task) ?? [];
    out.set(task, maps);
    let map = maps.find((m) => m.layer === layer);
    if (!map) {
      map = { layer, ...matrixShape(grid), values: new Float64Array(matrixShape(grid).rows * matrixShape(grid).cols) };
      maps.push(map);
    }
    const now = grid.block(l, member);
    for (let i = 0; i < now.length; i++) map.values[i] += Math.abs(now[i] - before[i]);
  });
  return out;
}

export function gradientFigures(context: FigureContext): Figure[] {
  const saved = savedMetric(context, GRADIENT);
  const derived = saved ? undefined : derivedGradientMaps(context);
  const figures: Figure[] = [];
  for (const { index: task } of context.run.tasks) {
    const id = `gradients_${context.taskId(task)}`;
    const found = saved ? context.attempt(id, () => savedGradientMaps(context, task)) : { maps: derived!.get(task) ?? [], profiles: [] };
    if (!found || found.maps.length + found.profiles.length === 0) continue;
    const { maps, profiles } = found;
    const what = saved ? '|gradient|' : 'Σ|Δw|';
    const heatmaps = maps.map((m) =>
      heatmapLayers(
        { rows: m.rows, cols: m.cols, values: m.values },
        { title: m.layer, xTitle: m.rows === 1 ? 'unit' : 'input', yTitle: m.rows === 1 ? '' : 'output unit', colorTitle: what, scheme: 'magma', maxHeight: 240 },
      ),
    );
    figures.push({
      id,
      section: 'Gradients',
      title: `Gradient maps, ${context.taskLabel(task)}`,
      caption: saved
        ? `Accumulated gradient magnitude of each layer during ${context.taskLabel(task)}, as saved in ${context.run.taskFile(task, 'metrics.npz')} at the last log point: per unit, one line per member${maps.length > 0 ? `; weight matrices of member ${context.options.member}` : ''}.`
        : `Accumulated absolute weight change Σ|w_l − w_(l−1)| of each weight during ${context.taskLabel(task)} (member ${context.options.member}): the gradient steps summed as the optimizer applied them, derived from task_*/weights.npz because no gradient maps were saved. Dark cells are weights that did not move, e.g. of dead units.`,
      spec: topLevel({ title: `Gradient maps, ${context.taskLabel(task)}`, vconcat: [...profiles.map((p) => profileLayer(p, what)), ...heatmaps], resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } } }),
      ...(profiles.length > 0 ? { arrays: profiles.map((p) => p.key) } : {}),
      ...(heatmaps.length > 0 ? { raster: true } : {}),
    });
  }
  return figures;
}
