// The methods: each file declares one method (its schema, rules and hooks), and registry.ts lists
// them in hook order and builds an experiment's methods from its configuration.
export { ActivationL1, activationL1Method } from './activation-l1.js';
export { ContinualBackprop, unitLayers, type ContinualBackpropOptions, type UnitLayer } from './continual-backprop.js';
export { defineMethod, defineRule, type BuildContext, type KeyMethod, type MethodDefinition, type MethodsView, type Problem, type RuleMethod } from './definition.js';
export { ElasticWeightConsolidation, type EwcOptions } from './ewc.js';
export { FeedbackAlignment, feedbackLayers, routeThroughFeedback } from './feedback-alignment.js';
export { GradientBasis } from './gradient-basis.js';
export { gradientAlignment, type GradientAlignment } from './gradient-alignment.js';
export { DEFAULT_PRUNE_RATE, NeuralTangentEnsemble, type GradientPoint, type NteOptions } from './nte.js';
export { OrthogonalGradientDescent, type OgdOptions, type OgdVariant } from './ogd.js';
export { perExampleGradients, type PerExampleOptions, type PerExampleVisitor } from './per-example-gradients.js';
export { pruneStep, TangentPruning, type PruningOptions } from './pruning.js';
export { MemberRandom } from './random.js';
export { buildMethods, MethodConfigError, methodKeys, methodRegistry, validateMethods, type MethodKeys, type MethodsConfig, type MethodSection, type PopulationMethods, type RuleName } from './registry.js';
export { DEFAULT_BASELINE_DECAY, Reinforce, sampleLabels, type ReinforceOptions } from './reinforce.js';
export { ExperienceReplay, ReplayBuffer, type ReplayOptions, type ReplayPolicy } from './replay.js';
export { freshInitialisation, ShrinkPerturb, type ShrinkPerturbForm, type ShrinkPerturbOptions } from './shrink-perturb.js';
export { TangentExpansion, type ExpansionPoint } from './tangent-expansion.js';
export { WeightDecay, weightDecayMethod } from './weight-decay.js';
