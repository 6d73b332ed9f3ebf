// Feature-activation heatmaps (docs/metrics.md): hidden units (columns) for test samples grouped by class
// (rows), at the end of each task. Units that never fire show as dark columns; the MNIST MLP study watched
// their number grow from task to task.
import { type Figure, type FigureContext, topLevel } from '../figure.js';
import { heatmapLayers } from '../heatmap.js';
import { labelOrder, seenSamples } from './samples.js';

const MAX_ROWS = 360;

export function featureFigures(context: FigureContext): Figure[] {
  const figures: Figure[] = [];
  for (const { index: task } of context.run.tasks) {
    const id = `features_${context.taskId(task)}`;
    const figure = context.attempt(id, (): Figure => {
      const set = seenSamples(context, id, task, MAX_ROWS);
      // Rows sorted by class so that each class is a band.
      const order = labelOrder(set.labels);
      const rank = new Map(order.map((label, k) => [label, k]));
      const indices = set.labels.map((_, i) => i).sort((a, b) => rank.get(set.labels[a])! - rank.get(set.labels[b])! || a - b);
      const values = new Float32Array(set.n * set.dim);
      indices.forEach((source, row) => values.set(set.rows.subarray(source * set.dim, (source + 1) * set.dim), row * set.dim));
      const groups: { start: number; end: number; label: string }[] = [];
      indices.forEach((source, row) => {
        const label = set.labels[source];
        const lastGroup = groups[groups.length - 1];
        if (lastGroup && lastGroup.label === label) lastGroup.end = row + 1;
        else groups.push({ start: row, end: row + 1, label });
      });
      const layers = heatmapLayers(
        { rows: set.n, cols: set.dim, values },
        {
          title: `Feature activations after ${context.taskLabel(task)} (member ${context.options.member})`,
          xTitle: 'hidden unit',
          yTitle: 'test sample',
          colorTitle: 'activation',
          rowGroups: groups,
        },
      );
      return {
        id,
        section: 'Features',
        title: `Feature activations, ${context.taskLabel(task)}`,
        caption: `Activations of the ${set.dim} saved hidden units for ${set.n} test samples of the tasks seen so far, grouped by class, at the end of ${context.taskLabel(task)} (member ${context.options.member}). From ${context.run.taskFile(task, 'representations.npy')}.`,
        spec: topLevel(layers),
        raster: true,
      };
    });
    if (figure) figures.push(figure);
  }
  return figures;
}
