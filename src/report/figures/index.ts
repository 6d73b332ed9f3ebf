// Every figure of a run, in report order, and the list of what could not be drawn.
import { FigureContext, defaultFigureOptions, type Figure, type FigureOptions, type MissingEntry } from '../figure.js';
import type { RunReader } from '../run-data.js';
import { accuracyMatrixFigures } from './accuracy-matrix.js';
import { expertFigures, forgettingFigures, trainingLossFigures } from './curves.js';
import { featureFigures } from './features.js';
import { histogramFigures } from './histograms.js';
import { latentFigures } from './latent.js';
import { plasticityFigures } from './plasticity.js';
import { probabilityFigures } from './probabilities.js';
import { probeFigures } from './probes.js';
import { gradientFigures, relativeUpdateFigures } from './updates.js';

/** A family of figures; `name` is what the missing list calls it when none could be drawn. */
interface Family {
  name: string;
  build: (context: FigureContext) => Figure[] | Promise<Figure[]>;
}

/** Report order. */
const FAMILIES: Family[] = [
  { name: 'accuracy_matrix', build: accuracyMatrixFigures },
  { name: 'forgetting_curves', build: forgettingFigures },
  { name: 'expert_vs_learner', build: expertFigures },
  { name: 'training_loss', build: trainingLossFigures },
  { name: 'probabilities', build: probabilityFigures },
  { name: 'latent', build: latentFigures },
  { name: 'relative_updates', build: relativeUpdateFigures },
  { name: 'weight_histograms', build: histogramFigures },
  { name: 'features', build: featureFigures },
  { name: 'gradient_maps', build: gradientFigures },
  { name: 'probe_accuracy', build: probeFigures },
  { name: 'plasticity_metrics', build: plasticityFigures },
];

export interface FigureFamilies {
  /** Each family's figures in report order; latent spaces arrive later (worker threads). */
  families: { name: string; figures: Figure[] | Promise<Figure[]> }[];
  /** Filled as families are built; complete once every family has resolved. */
  missing: MissingEntry[];
}

/**
 * Starts every family. Families that take long off the main thread (latent spaces) are started
 * first and return promises, so that a caller can draw the others while they run.
 */
export function startFigures(run: RunReader, options: Partial<FigureOptions> = {}): FigureFamilies {
  const context = new FigureContext(run, { ...defaultFigureOptions, ...options });
  for (const task of run.absentTasks) {
    context.missing.push({ figure: 'all per-task figures', file: context.run.taskFile(task, ''), reason: 'task directory not found' });
  }
  if (run.tasks.length === 0) {
    context.missing.push({ figure: 'all per-task figures', file: 'task_*/', reason: 'no task directories in the run' });
  }
  const started = new Map<string, Figure[] | Promise<Figure[]>>();
  const slow = FAMILIES.filter((f) => f.build === latentFigures);
  for (const family of [...slow, ...FAMILIES.filter((f) => !slow.includes(f))]) {
    const figures = family.build(context);
    // Awaited later by the caller; until then a failure must not count as unhandled.
    if (!Array.isArray(figures)) figures.catch(() => undefined);
    started.set(family.name, figures);
  }
  return { families: FAMILIES.map((f) => ({ name: f.name, figures: started.get(f.name)! })), missing: context.missing };
}

export interface FigureSet {
  figures: Figure[];
  missing: MissingEntry[];
  /** Families that produced no figure at all. */
  absent: string[];
}

export async function buildFigures(run: RunReader, options: Partial<FigureOptions> = {}): Promise<FigureSet> {
  const { families, missing } = startFigures(run, options);
  const figures: Figure[] = [];
  const absent: string[] = [];
  for (const family of families) {
    const built = await family.figures;
    if (built.length === 0) absent.push(family.name);
    figures.push(...built);
  }
  return { figures, missing, absent };
}
