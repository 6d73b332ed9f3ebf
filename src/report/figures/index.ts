// Every figure of a run, in report order, the list of what could not be drawn, and the families
// whose data the run did not record.
import { FigureContext, defaultFigureOptions, type Figure, type FigureOptions, type MissingEntry } from '../figure.js';
import { lacks, type NotRecorded, regression, type RunChoices, runChoices } from '../recorded.js';
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
  /** Why the run's settings left this family without data (it is then not drawn), or null. */
  notRecorded?: (choices: RunChoices) => string | null;
}

const withoutRepresentations = (choices: RunChoices) => lacks(choices.snapshots, 'representations', 'logging.snapshots');

/** Report order. */
const FAMILIES: Family[] = [
  { name: 'accuracy_matrix', build: accuracyMatrixFigures, notRecorded: regression },
  { name: 'forgetting_curves', build: forgettingFigures, notRecorded: regression },
  { name: 'expert_vs_learner', build: expertFigures, notRecorded: (choices) => (choices.expertBaseline === false ? 'training.expert_baseline is false' : null) },
  { name: 'training_loss', build: trainingLossFigures },
  { name: 'probabilities', build: probabilityFigures, notRecorded: regression },
  { name: 'latent', build: latentFigures, notRecorded: withoutRepresentations },
  { name: 'relative_updates', build: relativeUpdateFigures },
  { name: 'weight_histograms', build: histogramFigures, notRecorded: (choices) => lacks(choices.snapshots, 'weights', 'logging.snapshots') },
  { name: 'features', build: featureFigures, notRecorded: withoutRepresentations },
  { name: 'gradient_maps', build: gradientFigures },
  { name: 'probe_accuracy', build: probeFigures, notRecorded: (choices) => regression(choices) ?? lacks(choices.measures, 'probes', 'logging.measures') },
  { name: 'plasticity_metrics', build: plasticityFigures },
];

export interface FigureFamilies {
  /** Each family's figures in report order; latent spaces arrive later (worker threads). */
  families: { name: string; figures: Figure[] | Promise<Figure[]> }[];
  /** Filled as families are built; complete once every family has resolved. */
  missing: MissingEntry[];
  /** The families the run's settings left without data, which are not drawn. */
  notRecorded: NotRecorded[];
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
  const choices = runChoices(run);
  const notRecorded: NotRecorded[] = [];
  const drawn = FAMILIES.filter((family) => {
    const reason = family.notRecorded?.(choices) ?? null;
    if (reason !== null) notRecorded.push({ figure: family.name, reason });
    return reason === null;
  });
  const started = new Map<string, Figure[] | Promise<Figure[]>>();
  const slow = drawn.filter((f) => f.build === latentFigures);
  for (const family of [...slow, ...drawn.filter((f) => !slow.includes(f))]) {
    const figures = family.build(context);
    // Awaited later by the caller; until then a failure must not count as unhandled.
    if (!Array.isArray(figures)) figures.catch(() => undefined);
    started.set(family.name, figures);
  }
  const families = drawn.map((f) => ({ name: f.name, figures: started.get(f.name)! }));
  return { families, missing: context.missing, notRecorded };
}

export interface FigureSet {
  figures: Figure[];
  missing: MissingEntry[];
  /** Families that produced no figure at all, though the run recorded their data. */
  absent: string[];
  notRecorded: NotRecorded[];
}

export async function buildFigures(run: RunReader, options: Partial<FigureOptions> = {}): Promise<FigureSet> {
  const { families, missing, notRecorded } = startFigures(run, options);
  const figures: Figure[] = [];
  const absent: string[] = [];
  for (const family of families) {
    const built = await family.figures;
    if (built.length === 0) absent.push(family.name);
    figures.push(...built);
  }
  return { figures, missing, absent, notRecorded };
}
