// The method group: the learning rule plus optional remedies for forgetting and loss of plasticity.
// Remedies combine (OGD with an L1 penalty is a studied pair, docs/methods.md), so each is an optional key or section
// added on the command line, e.g. `+method.l1=1.0` or `+method.ewc.lambda=1000`; a section added
// through one of its keys starts from the defaults below.
import { DEFAULT_PRUNE_RATE } from '../../cl/methods/config.js';
import { group } from '../group.js';
import { bool, choice, float, int, nullable, optional, section, strings } from '../spec.js';

export const method = group({
  name: 'method',
  help: 'learning rule and continual-learning remedies',
  discriminator: undefined,
  common: {
    rule: choice(['SL', 'RL', 'Bio'] as const, {
      help: 'error signal: SL supervised backprop, RL reward only (REINFORCE with a baseline), Bio feedback alignment (fixed random feedback weights); names the algorithm directory',
    }),
    l2: optional(float({ min: 0, default: 0.01, help: 'λ of the loss term λ/2·‖θ‖² (docs/methods.md, Regularisers)' })),
    l1: optional(float({ min: 0, default: 1.0, help: 'λ of the loss term λ·Σ mean|h| over hidden activations (sparsity penalty, docs/methods.md, Regularisers)' })),
    ogd: optional(
      section(
        {
          variant: choice(['average_gradient', 'gtl'] as const, {
            default: 'average_gradient',
            help: 'average_gradient: one mean loss gradient per task (docs/methods.md); gtl: ground-truth-logit gradients of stored examples (Farajtabar et al. 2020)',
          }),
          memory: int({ min: 1, default: 200, help: 'gtl: examples stored per task' }),
          eps: float({ above: 0, default: 1e-8, help: 'a new direction shorter than this after Gram-Schmidt is not stored' }),
        },
        { help: 'orthogonal gradient descent: project each gradient off the stored directions of past tasks' },
      ),
    ),
    nte: optional(
      section(
        {
          inv_temperature: float({ above: 0, default: 1.0, help: 'β, the inverse temperature of the multiplicative update' }),
          z: nullable(float({ above: 0, help: 'L1 norm Δ is normalised to after each update; null = its norm at the start' }), { default: null }),
          max_delta: float({ above: 0, default: 1.0, help: 'clip on |Δ| after normalisation' }),
          gradients: choice(['current', 'init'] as const, { default: 'current', help: 'take per-example gradients at the current weights or at the initialisation' }),
          expansion: choice(['origin', 'init'] as const, { default: 'origin', help: 'expansion point w0: the origin (Δ = w) or the initial weights' }),
          zero_noise: float({ min: 0, default: 1e-6, help: 'scale of the noise that seeds parameters that are exactly zero' }),
          prune_only: bool({ default: false, help: 'learn only by removing weights (Benjamin et al. 2024, docs/methods.md)' }),
          prune_rate: nullable(float({ above: 0, below: 1, help: `with prune_only: the fraction of each parameter's remaining components removed per step; null = ${DEFAULT_PRUNE_RATE}` }), { default: null }),
        },
        { help: 'Neural Tangent Ensemble update (Benjamin, Pehle & Daruwalla 2024); replaces the optimizer step and uses optimizer=sgd\'s lr as η' },
      ),
    ),
    replay: optional(
      section(
        {
          buffer_size: int({ min: 1, default: 1000, help: 'examples in the buffer shared by all members' }),
          policy: choice(['reservoir', 'class_balanced'] as const, { default: 'reservoir', help: 'which examples the buffer keeps' }),
          batch_ratio: float({ above: 0, default: 1.0, help: 'replayed examples per batch, as a fraction of batch_size' }),
        },
        { help: 'experience replay from a buffer of past tasks\' examples; part of the algorithm directory name' },
      ),
    ),
    shrink_perturb: optional(
      section(
        {
          shrink: float({ min: 0, max: 1, default: 0.4, help: 'λ in θ ← λθ + σ·noise' }),
          noise: float({ min: 0, default: 0.001, help: 'σ in θ ← λθ + σ·noise' }),
          every: choice(['step', 'task'] as const, { default: 'task', help: 'apply after every update or at each task boundary' }),
          form: choice(['ash_adams', 'dohare'] as const, {
            default: 'ash_adams',
            help: 'ash_adams: noise drawn from the layer\'s initialisation; dohare: Gaussian noise',
          }),
        },
        { help: 'shrink and perturb (Ash & Adams 2020); the "plasticity" part of the algorithm directory name' },
      ),
    ),
    continual_backprop: optional(
      section(
        {
          replacement_rate: float({ min: 0, max: 1, default: 1e-4, help: 'fraction of mature units replaced per step' }),
          decay_rate: float({ min: 0, below: 1, default: 0.99, help: 'decay of the running unit utility (bias-corrected)' }),
          maturity_threshold: int({ min: 0, default: 100, help: 'steps a unit is protected from replacement after its reset' }),
        },
        { help: 'continual backprop (Dohare et al. 2024): reinitialise the least useful hidden units' },
      ),
    ),
    redo: optional(
      section(
        {
          tau: float({ min: 0, default: 0.1, help: "τ: a unit whose mean |activation| over the batch, divided by its layer's average, is at most τ is dormant and recycled" }),
          every: int({ min: 1, default: 1000, help: 'steps between recycling passes (counted over the whole run)' }),
        },
        { help: 'ReDo (Sokar et al. 2023): reinitialise τ-dormant hidden units, incoming weights from the initialisation, outgoing weights zero (mlp, cnn)' },
      ),
    ),
    l2_init: optional(float({ min: 0, default: 0.01, help: 'λ of the loss term λ/2·‖θ − θ₀‖², an L2 penalty towards the initial weights θ₀ (L2 Init, Kumar et al. 2023)' })),
    reset: optional(
      section(
        {
          layers: strings({ default: ['head'], help: "layers drawn afresh from their initialisation before every task but the first: [head] is a head reset; e.g. [layer2, head] resets the last two (mlp names: layer1, layer2, ..., head)" }),
        },
        { help: 'head or layer reset at task boundaries (Nikishin et al. 2022), with the reset layers\' optimizer state zeroed' },
      ),
    ),
    spectral: optional(
      section(
        {
          lambda: float({ min: 0, default: 1e-4, help: 'λ of λ·Σ_layers (σ_max^k − 1)², σ_max the largest singular value of the layer\'s [W | b]' }),
          power: float({ above: 0, default: 2, help: 'k, the power of σ_max (the paper\'s 2)' }),
        },
        { help: 'spectral regularisation (Lewandowski et al. 2024): keep each layer\'s largest singular value near 1' },
      ),
    ),
    ewc: optional(
      section(
        {
          lambda: float({ min: 0, default: 100, help: 'weight of the quadratic penalty' }),
          mode: choice(['separate', 'online'] as const, { default: 'separate', help: 'separate: one Fisher and anchor per task; online: one running Fisher' }),
          gamma: float({ min: 0, max: 1, default: 1.0, help: 'online: decay of the running Fisher at each task boundary' }),
          fisher_samples: nullable(int({ min: 1, default: 1000, help: 'training examples used to estimate the Fisher; null = all' })),
        },
        { help: 'elastic weight consolidation (Kirkpatrick et al. 2017)' },
      ),
    ),
  },
  variants: {},
});
