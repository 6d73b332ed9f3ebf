// What a figure is (a vega-lite spec with a name and a caption) and what builders share: the run
// being read, its timeline, the list of data that could not be used, and the chart shapes that
// recur (curves with a spread band over members and task boundaries).
import type { TopLevelSpec } from 'vega-lite';
import { MissingData, type RunReader } from './run-data.js';
import { taskLabel } from '../cl/task-label.js';
import { timelineOf, type Timeline } from './timeline.js';

export interface Figure {
  /** File stem of the figure, e.g. 'forgetting_curves' or 'latent_task_002'. */
  id: string;
  /** Section of the report it belongs to. */
  section: string;
  title: string;
  /** What is shown and where it comes from. */
  caption: string;
  spec: TopLevelSpec;
  /** The metrics.npz arrays whose values the figure plots (checked by test/report/figure-data.test.ts). */
  arrays?: readonly string[];
  /** The figure embeds raster heatmaps (PNG at their own resolution). */
  raster?: boolean;
}

export interface MissingEntry {
  /** The figure (or figure family) that could not be drawn, or drawn only in part. */
  figure: string;
  /** File, or file:array, relative to the run directory. */
  file: string;
  reason: string;
}

export interface FigureOptions {
  /** Dimensionality reduction for latent spaces; UMAP falls back to PCA when it cannot run. */
  latentMethod: 'umap' | 'pca';
  /** Most points drawn in one latent-space figure (subsampled evenly per class beyond that). */
  latentPoints: number;
  /** The member shown by single-network figures (latent space, features, gradient maps). */
  member: number;
}

export const defaultFigureOptions: FigureOptions = { latentMethod: 'umap', latentPoints: 500, member: 0 };

export class FigureContext {
  readonly missing: MissingEntry[] = [];
  private timelineCache?: Timeline;

  constructor(
    readonly run: RunReader,
    readonly options: FigureOptions,
  ) {}

  get timeline(): Timeline {
    this.timelineCache ??= timelineOf(this.run);
    return this.timelineCache;
  }

  /** Runs `build`; data that is missing is recorded against `figure` and gives undefined. */
  attempt<T>(figure: string, build: () => T): T | undefined {
    try {
      return build();
    } catch (error) {
      if (error instanceof MissingData) {
        this.record(figure, error);
        return undefined;
      }
      throw error;
    }
  }

  record(figure: string, error: MissingData): void {
    if (!this.missing.some((m) => m.figure === figure && m.file === error.file)) {
      this.missing.push({ figure, file: error.file, reason: error.reason });
    }
  }

  /** Suffix of per-task figure files: the task's results directory name (task_000, ...). */
  taskId(task: number): string {
    return this.run.taskFile(task, '').slice(0, -1);
  }

  /**
   * Label of a task on axes and legends: counted from 1, with its classes when every member trains
   * on the same ones ('task 1 [1, 2]', src/cl/task-label.ts), read from the task's metadata.json.
   */
  taskLabel(task: number): string {
    let classes: number[][] | undefined;
    try {
      const metadata = this.run.json(this.run.taskFile(task, 'metadata.json')) as { classes?: number[][] };
      classes = Array.isArray(metadata.classes) ? metadata.classes : undefined;
    } catch (error) {
      if (!(error instanceof MissingData)) throw error;
    }
    return taskLabel(task, classes);
  }
}

/** One point of a curve: mean over members and the spread band around it. */
export interface CurvePoint {
  x: number;
  series: string;
  mean: number;
  lo: number;
  hi: number;
  /** Points of different segments are not joined (e.g. one expert per task). */
  segment?: string;
}

/**
 * Mean ± one standard deviation over members (sample deviation, as src/metrics reports it), the
 * band clipped to `clip` when given.
 */
export function curvePoint(x: number, series: string, values: number[], clip?: [number, number], segment?: string): CurvePoint | undefined {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  if (n === 0) return undefined;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) if (Number.isFinite(v)) sq += (v - mean) ** 2;
  const std = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  let lo = mean - std;
  let hi = mean + std;
  if (clip) {
    lo = Math.max(clip[0], lo);
    hi = Math.min(clip[1], hi);
  }
  return { x, series, mean, lo, hi, ...(segment !== undefined ? { segment } : {}) };
}

export interface CurveChartOptions {
  points: CurvePoint[];
  xTitle: string;
  yTitle: string;
  seriesTitle: string;
  /** Task boundaries to mark with dashed rules. */
  boundaries?: { step: number; label: string }[];
  yDomain?: [number, number];
  logY?: boolean;
  /** Order of the series in the legend (default: order of first appearance). */
  seriesOrder?: string[];
  /** Series drawn with dashed lines, to set summaries apart from their parts. */
  dashed?: string[];
  /**
   * Series drawn in a colour of their own (summaries in black and grey), so that the other series
   * keep tableau10's ten distinct colours instead of category20's pairs of light and dark shades.
   */
  seriesColors?: ReadonlyMap<string, string>;
  /** x holds whole numbers (tasks): a tick at each x present, and a marker at every point. */
  discreteX?: boolean;
  /** With discreteX: the tick label of each x (e.g. 'task 1 [1, 2]'); default the number. */
  xLabels?: ReadonlyMap<number, string>;
  width?: number;
  height?: number;
  title?: string;
}

/** The colour scheme for `n` categories. */
export function categoryScheme(n: number): string {
  return n <= 10 ? 'tableau10' : 'category20';
}

// Vega's tableau10 scheme, for scales that mix it with colours of their own.
const TABLEAU10 = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** A colour scale over `order`: the fixed colours where given, tableau10 in turn for the rest. */
function colorScale(order: readonly string[], fixed: ReadonlyMap<string, string> | undefined): Record<string, unknown> {
  if (!fixed) return { scheme: categoryScheme(order.length) };
  let next = 0;
  return { domain: order, range: order.map((series) => fixed.get(series) ?? TABLEAU10[next++ % TABLEAU10.length]) };
}

/** Name of layers that only serve interaction (tooltips, zoom), left out of SVG and PNG files. */
export const HOVER_LAYER = 'hover';

// Selection names must be unique within a spec, and curve charts are concatenated.
let zoomCount = 0;

/** Layers of a curve chart (lines, spread bands, boundaries), without top-level fields. */
export function curveLayers(options: CurveChartOptions): Record<string, unknown> {
  const order = options.seriesOrder ?? [...new Set(options.points.map((p) => p.series))];
  const positive = options.logY ? options.points.filter((p) => p.mean > 0).map((p) => ({ ...p, lo: Math.max(p.lo, p.mean / 10) })) : options.points;
  // A vertical title longer than the plot would stick out above it and push the chart down.
  const y: Record<string, unknown> = { type: 'quantitative', title: options.yTitle, axis: { titleLimit: options.height ?? 260 } };
  const scale: Record<string, unknown> = {};
  if (options.yDomain) scale.domain = options.yDomain;
  if (options.logY) scale.type = 'log';
  if (Object.keys(scale).length > 0) y.scale = scale;
  const color = {
    field: 'series',
    type: 'nominal',
    title: options.seriesTitle,
    sort: order,
    scale: colorScale(order, options.seriesColors),
    // The band layer comes first and would lend its faint fill to the legend symbols.
    legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5, labelLimit: 240 },
  };
  const xAxis = options.discreteX ? { axis: discreteAxis(options.points, options.xLabels) } : {};
  const x = { field: 'x', type: 'quantitative', title: options.xTitle, ...xAxis };
  const dash = options.dashed?.length
    ? { strokeDash: { condition: { test: `indexof(${JSON.stringify(options.dashed)}, datum.series) >= 0`, value: [6, 3] }, value: [1, 0] } }
    : {};
  const detail = options.points.some((p) => p.segment !== undefined) ? { detail: { field: 'segment' } } : {};
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'area', opacity: 0.18, interpolate: 'linear' },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, ...detail },
    },
    {
      mark: { type: 'line', strokeWidth: 1.6, ...(options.discreteX ? { point: true } : {}) },
      encoding: { x, y: { ...y, field: 'mean' }, color, ...detail, ...dash },
    },
    {
      // Invisible points carry the tooltips and the zoom of the interactive view; static renders
      // drop this layer (see HOVER_LAYER).
      name: HOVER_LAYER,
      mark: { type: 'point', opacity: 0, size: 30 },
      params: [{ name: `zoom${zoomCount++}`, select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
      encoding: {
        x,
        y: { ...y, field: 'mean' },
        tooltip: [
          { field: 'series', title: options.seriesTitle },
          { field: 'x', title: options.xTitle },
          { field: 'mean', title: 'mean', format: '.4~g' },
          { field: 'lo', title: 'mean − sd', format: '.4~g' },
          { field: 'hi', title: 'mean + sd', format: '.4~g' },
        ],
      },
    },
  ];
  const data = { values: positive };
  if (options.boundaries && options.boundaries.length > 0) {
    layers.push({
      data: { values: options.boundaries },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
      encoding: { x: { field: 'step', type: 'quantitative' } },
    });
    layers.push({
      data: { values: options.boundaries },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 2, fontSize: 10, color: '#666' },
      encoding: { x: { field: 'step', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
    });
  }
  return { data, layer: layers, width: options.width ?? 620, height: options.height ?? 260, ...(options.title ? { title: options.title } : {}) };
}

/**
 * An axis with one tick at each x the points hold (a quantitative axis left to itself puts ticks at
 * 1, 1.5, 2, ..., which whole-number labels print as '1 2 2 3 3'), labelled from `labels`.
 */
function discreteAxis(points: readonly CurvePoint[], labels?: ReadonlyMap<number, string>): Record<string, unknown> {
  const values = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  // labelOverlap off: vega would otherwise drop every other long label ('task 2 [3, 4]').
  const axis: Record<string, unknown> = { values, format: 'd', labelAngle: 0, labelOverlap: false };
  if (labels && values.some((x) => labels.has(x))) {
    // A chain of conditions: vega's expressions have no map literal.
    axis.labelExpr = values.reduceRight((rest, x) => `datum.value == ${x} ? ${JSON.stringify(labels.get(x) ?? String(x))} : ${rest}`, 'datum.label');
  }
  return axis;
}

/** A complete curve chart. */
export function curveChart(options: CurveChartOptions): TopLevelSpec {
  return topLevel(curveLayers(options));
}

/** Adds the schema and the shared look to a spec. */
export function topLevel(spec: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    padding: 8,
    config: {
      font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif',
      axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eee' },
      legend: { labelFontSize: 11, titleFontSize: 12 },
      title: { fontSize: 14, anchor: 'start' },
      view: { stroke: '#ccc' },
    },
    ...spec,
  } as TopLevelSpec;
}

/** Where each task starts on the run's timeline (0 for the first), labelled with the task. */
export function taskBoundaries(context: FigureContext): { step: number; label: string }[] {
  const { spans, boundaries } = context.timeline;
  const first = [...spans.keys()].sort((a, b) => a - b)[0];
  const starts = first === undefined ? [] : [{ step: 0, label: context.taskLabel(first) }];
  return [...starts, ...boundaries.map((b) => ({ step: b.step, label: context.taskLabel(b.task) }))];
}
