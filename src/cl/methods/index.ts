// The methods of an experiment, built from its configuration in the order their hooks must run:
// the learning rule's own method (RL's reward signal, Bio's feedback matrices); replay mixes the
// batch; loss terms (L2, L1, L2 Init, spectral, EWC); OGD's projection of the gradients; the NTE or
// pruning update in place of the optimizer's; then continual backprop, shrink-and-perturb and ReDo
// after the update; the layer reset acts at task boundaries.
import type { Method } from '../method.js';
import { DEFAULT_PRUNE_RATE, type MethodsConfig } from './config.js';
import { ContinualBackprop } from './continual-backprop.js';
import { L2Init } from './l2-init.js';
import { LayerReset } from './reset.js';
import { Redo } from './redo.js';
import { SpectralRegularization } from './spectral.js';
import { ElasticWeightConsolidation } from './ewc.js';
import { FeedbackAlignment } from './feedback-alignment.js';
import { NeuralTangentEnsemble } from './nte.js';
import { OrthogonalGradientDescent } from './ogd.js';
import { TangentPruning } from './pruning.js';
import { MemberRandom } from './random.js';
import { Reinforce } from './reinforce.js';
import { ActivationL1, WeightDecay } from './regularizers.js';
import { ExperienceReplay } from './replay.js';
import { ShrinkPerturb } from './shrink-perturb.js';
import { validateMethods } from './validate.js';

export * from './config.js';
export { ContinualBackprop, type ContinualBackpropOptions } from './continual-backprop.js';
export { optimizerBuffers, reinitializeUnits, unitLayers, type UnitLayer } from './unit-layers.js';
export { ElasticWeightConsolidation, type EwcOptions } from './ewc.js';
export { L2Init } from './l2-init.js';
export { LayerReset, resetModules } from './reset.js';
export { Redo, type RedoOptions } from './redo.js';
export { spectralPenalty, SpectralRegularization, topSingularValue, type SpectralOptions } from './spectral.js';
export { FeedbackAlignment, feedbackLayers } from './feedback-alignment.js';
export { GradientBasis } from './gradient-basis.js';
export { gradientAlignment, type GradientAlignment } from './gradient-alignment.js';
export { NeuralTangentEnsemble, type GradientPoint, type NteOptions } from './nte.js';
export { OrthogonalGradientDescent, type OgdOptions, type OgdVariant } from './ogd.js';
export { perExampleGradients, type PerExampleOptions, type PerExampleVisitor } from './per-example-gradients.js';
export { pruneStep, TangentPruning, type PruningOptions } from './pruning.js';
export { MemberRandom } from './random.js';
export { DEFAULT_BASELINE_DECAY, Reinforce, sampleLabels, type ReinforceOptions } from './reinforce.js';
export { ActivationL1, WeightDecay } from './regularizers.js';
export { ExperienceReplay, ReplayBuffer, type ReplayOptions, type ReplayPolicy } from './replay.js';
export { freshInitialisation, ShrinkPerturb, type ShrinkPerturbForm, type ShrinkPerturbOptions } from './shrink-perturb.js';
export { TangentExpansion, type ExpansionPoint } from './tangent-expansion.js';
export { MethodConfigError, validateMethods } from './validate.js';

/** Salts that keep each method's random streams apart from each other and from initialisation. */
const SALT = { replay: 1_000_000_007, nte: 2_000_000_011, shrinkPerturb: 3_000_000_019, continualBackprop: 4_000_000_007, reinforce: 5_000_000_029, feedbackAlignment: 6_000_000_001, redo: 7_000_000_001, reset: 8_000_000_011 };

export interface PopulationMethods {
  /** Member r's seed, from which its method streams derive; default config.seed + r (the learner's). */
  seeds?: readonly number[];
  /**
   * false: only the methods that are the learning algorithm itself, the rule's error signal (RL's
   * reward, Bio's feedback matrices) and an update that replaces the optimizer's (NTE, learning by
   * pruning; optimizer.lr is then NTE's η). A baseline population (expert, joint) trains with these
   * alone: the experts learn by the same algorithm as the learner, without its remedies.
   */
  remedies?: boolean;
}

/** Validates the configuration (see validateMethods) and builds its methods, in hook order. */
export function buildMethods(config: MethodsConfig, population: PopulationMethods = {}): Method[] {
  validateMethods(config);
  const method = config.method;
  const seeds = population.seeds ?? Array.from({ length: config.training.members }, (_, member) => config.seed + member);
  const random = (salt: number) => new MemberRandom(seeds, salt);
  const remedies = population.remedies ?? true;
  const methods: Method[] = [];
  if (method.rule === 'RL') methods.push(new Reinforce(random(SALT.reinforce)));
  if (method.rule === 'Bio') methods.push(new FeedbackAlignment(random(SALT.feedbackAlignment)));
  if (remedies && method.replay) {
    methods.push(new ExperienceReplay({ bufferSize: method.replay.buffer_size, policy: method.replay.policy, batchRatio: method.replay.batch_ratio }, random(SALT.replay)));
  }
  if (remedies && method.l2 !== undefined) methods.push(new WeightDecay(method.l2));
  if (remedies && method.l1 !== undefined) methods.push(new ActivationL1(method.l1));
  if (remedies && method.l2_init !== undefined) methods.push(new L2Init(method.l2_init));
  if (remedies && method.spectral) methods.push(new SpectralRegularization({ ...method.spectral }));
  if (remedies && method.ewc) {
    const { lambda, mode, gamma, fisher_samples: fisherSamples } = method.ewc;
    methods.push(new ElasticWeightConsolidation({ lambda, mode, gamma, fisherSamples }));
  }
  if (remedies && method.ogd) methods.push(new OrthogonalGradientDescent(seeds.length, { ...method.ogd }));
  if (method.nte) {
    const nte = method.nte;
    methods.push(
      nte.prune_only
        ? new TangentPruning({ pruneRate: nte.prune_rate ?? DEFAULT_PRUNE_RATE, gradients: nte.gradients, expansion: nte.expansion, zeroNoise: nte.zero_noise }, random(SALT.nte))
        : new NeuralTangentEnsemble(
            {
              invTemperature: nte.inv_temperature,
              eta: config.optimizer.lr,
              z: nte.z,
              maxDelta: nte.max_delta,
              gradients: nte.gradients,
              expansion: nte.expansion,
              zeroNoise: nte.zero_noise,
            },
            random(SALT.nte),
          ),
    );
  }
  if (remedies && method.continual_backprop) {
    const { replacement_rate: replacementRate, decay_rate: decayRate, maturity_threshold: maturityThreshold } = method.continual_backprop;
    methods.push(new ContinualBackprop({ replacementRate, decayRate, maturityThreshold }, random(SALT.continualBackprop)));
  }
  if (remedies && method.shrink_perturb) methods.push(new ShrinkPerturb({ ...method.shrink_perturb }, random(SALT.shrinkPerturb)));
  if (remedies && method.redo) methods.push(new Redo({ ...method.redo }, random(SALT.redo)));
  if (remedies && method.reset) methods.push(new LayerReset(method.reset.layers, random(SALT.reset)));
  return methods;
}
