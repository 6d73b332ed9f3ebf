// The part of an experiment's configuration that the methods read, in the config files' names
// (conf/method/*.yaml and the method group's schema). A resolved ExperimentConfig has this shape.

export interface MethodSection {
  rule: string;
  /** λ of (λ/2)·‖θ‖². */
  l2?: number;
  /** λ of λ·Σ_layers mean|h|. */
  l1?: number;
  ogd?: { variant: 'average_gradient' | 'gtl'; memory: number; eps: number };
  nte?: {
    inv_temperature: number;
    z: number | null;
    max_delta: number;
    gradients: 'current' | 'init';
    expansion: 'origin' | 'init';
    zero_noise: number;
    prune_only: boolean;
    /** prune_only: fraction of each parameter's remaining components removed per step; null or absent: DEFAULT_PRUNE_RATE. */
    prune_rate?: number | null;
  };
  replay?: { buffer_size: number; policy: 'reservoir' | 'class_balanced'; batch_ratio: number };
  shrink_perturb?: { shrink: number; noise: number; every: 'step' | 'task'; form: 'ash_adams' | 'dohare' };
  continual_backprop?: { replacement_rate: number; decay_rate: number; maturity_threshold: number };
  redo?: { tau: number; every: number };
  /** λ of (λ/2)·‖θ − θ₀‖². */
  l2_init?: number;
  reset?: { layers: string[] };
  spectral?: { lambda: number; power: number };
  ewc?: { lambda: number; mode: 'separate' | 'online'; gamma: number; fisher_samples: number | null };
}

export interface MethodsConfig {
  /** Base seed: member r's method streams derive from seed + r, as its initialisation does. */
  seed: number;
  method: MethodSection;
  optimizer: { name: string; lr: number; weight_decay?: number; momentum?: number };
  model: { name: string; hidden?: number[]; activation?: string };
  training: { members: number };
}

/** The pruning rate used when nte.prune_only is set and nte.prune_rate is not. */
export const DEFAULT_PRUNE_RATE = 0.001;
