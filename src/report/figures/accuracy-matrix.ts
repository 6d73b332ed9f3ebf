// The accuracy matrix: accuracy on task j (columns) after training task i (rows), mean ± sd over
// members. summary.json holds it; when summary.json is absent or unreadable, the matrix is read off
// the last log point of each task's metrics.npz, which is where the summary takes it from.
import { acrossMembers } from '../arrays.js';
import { curvePoint, topLevel, type Figure, type FigureContext } from '../figure.js';
import { MissingData } from '../run-data.js';

export interface MatrixCell {
  trained: number;
  evaluated: number;
  mean: number;
  sd: number;
}

const MATRIX_KEY = /^accuracy_?matrix$/i;

function isNumeric(value: unknown, depth: number): boolean {
  if (depth === 0) return typeof value === 'number' || value === null;
  return Array.isArray(value) && value.every((v) => isNumeric(v, depth - 1));
}

/** Cells of a matrix given per member [R][T][T]; null entries (not evaluated) are skipped. */
function cellsOfMembers(members: (number | null)[][][]): MatrixCell[] {
  const cells: MatrixCell[] = [];
  const tasks = members[0]?.length ?? 0;
  for (let i = 0; i < tasks; i++) {
    for (let j = 0; j < (members[0][i]?.length ?? 0); j++) {
      const point = curvePoint(0, '', members.map((m) => m[i]?.[j] ?? NaN));
      if (point) cells.push({ trained: i, evaluated: j, mean: point.mean, sd: point.hi - point.mean });
    }
  }
  return cells;
}

function cellsOfMeans(mean: (number | null)[][], spread?: (number | null)[][]): MatrixCell[] {
  const cells: MatrixCell[] = [];
  mean.forEach((row, i) =>
    row.forEach((value, j) => {
      if (typeof value === 'number' && Number.isFinite(value)) cells.push({ trained: i, evaluated: j, mean: value, sd: spread?.[i]?.[j] ?? NaN });
    }),
  );
  return cells;
}

/** The first value under a key named like accuracy_matrix, searching breadth-first. */
function findMatrix(summary: unknown): unknown {
  const queue: unknown[] = [summary];
  while (queue.length > 0) {
    const node = queue.shift();
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    for (const [key, value] of Object.entries(node)) if (MATRIX_KEY.test(key)) return value;
    queue.push(...Object.values(node));
  }
  return undefined;
}

function cellsOfSummaryValue(value: unknown): MatrixCell[] | undefined {
  if (isNumeric(value, 3)) return cellsOfMembers(value as (number | null)[][][]);
  if (isNumeric(value, 2)) return cellsOfMeans(value as (number | null)[][]);
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of ['per_member', 'members', 'values']) {
      if (isNumeric(record[key], 3)) return cellsOfMembers(record[key] as (number | null)[][][]);
    }
    if (isNumeric(record.mean, 2)) {
      const spread = ['std', 'sd', 'spread'].map((k) => record[k]).find((v) => isNumeric(v, 2)) as (number | null)[][] | undefined;
      return cellsOfMeans(record.mean as (number | null)[][], spread);
    }
  }
  return undefined;
}

/** The accuracy matrix from summary.json, or from the task metrics; undefined if neither has it. */
export function accuracyMatrix(context: FigureContext, figure: string): { cells: MatrixCell[]; source: string } | undefined {
  const { run } = context;
  const fromSummary = context.attempt(figure, () => {
    const value = findMatrix(run.json('summary.json'));
    const cells = value === undefined ? undefined : cellsOfSummaryValue(value);
    if (!cells || cells.length === 0) throw new MissingData('summary.json:accuracy_matrix', 'no accuracy matrix of shape [R][T][T] or {mean: [T][T]}');
    return cells;
  });
  if (fromSummary) return { cells: fromSummary, source: 'summary.json' };
  const cells: MatrixCell[] = [];
  for (const { index } of run.tasks) {
    context.attempt(figure, () => {
      const accuracy = run.array(run.taskFile(index, 'metrics.npz'), 'accuracy', [3], '(L, R, T_eval)');
      const last = accuracy.shape[0] - 1;
      for (let j = 0; j < accuracy.shape[2]; j++) {
        const point = curvePoint(0, '', acrossMembers(accuracy, last, j));
        if (point) cells.push({ trained: index, evaluated: j, mean: point.mean, sd: point.hi - point.mean });
      }
    });
  }
  return cells.length > 0 ? { cells, source: 'the last log point of each task_*/metrics.npz' } : undefined;
}

export function accuracyMatrixFigures(context: FigureContext): Figure[] {
  const found = accuracyMatrix(context, 'accuracy_matrix');
  if (!found) return [];
  const rows = found.cells.map((c) => ({
    trained: context.taskLabel(c.trained),
    evaluated: context.taskLabel(c.evaluated),
    i: c.trained,
    j: c.evaluated,
    mean: c.mean,
    label: Number.isFinite(c.sd) ? `${c.mean.toFixed(2)}±${c.sd.toFixed(2)}` : c.mean.toFixed(2),
  }));
  const order = (field: 'i' | 'j', name: 'trained' | 'evaluated') =>
    [...new Map(rows.map((r) => [r[field], r[name]])).entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const size = Math.max(56, Math.min(90, 480 / Math.max(1, order('j', 'evaluated').length)));
  const spec = topLevel({
    title: 'Accuracy matrix',
    data: { values: rows },
    width: { step: size },
    height: { step: size * 0.7 },
    encoding: {
      x: { field: 'evaluated', type: 'ordinal', sort: order('j', 'evaluated'), title: 'evaluated on', axis: { orient: 'top', labelAngle: 0, grid: false } },
      y: { field: 'trained', type: 'ordinal', sort: order('i', 'trained'), title: 'after training', axis: { grid: false } },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: { field: 'mean', type: 'quantitative', title: 'accuracy', scale: { scheme: 'viridis', domain: [0, 1] } },
          tooltip: [
            { field: 'trained', title: 'after training', axis: { grid: false } },
            { field: 'evaluated', title: 'evaluated on' },
            { field: 'label', title: 'accuracy (mean±sd)' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: 'datum.mean < 0.6', value: 'white' }, value: 'black' },
        },
      },
    ],
  });
  return [
    {
      id: 'accuracy_matrix',
      section: 'Continual-learning summary',
      title: 'Accuracy matrix',
      caption: `Test accuracy on each task (columns) after training each task (rows), mean ± sd over members; from ${found.source}.`,
      spec,
    },
  ];
}
