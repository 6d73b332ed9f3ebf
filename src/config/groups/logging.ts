// The logging group: how densely a run is measured. Every log point evaluates every tracked task for
// all members; the arrays it fills have a leading time axis and are written at task boundaries.
import { bool, choice, choices, int, optional } from '../spec.js';
import { group } from '../group.js';

export const logging = group({
  name: 'logging',
  help: 'measurement schedule and what is stored',
  discriminator: undefined,
  common: {
    log_frequency: int({ min: 1, help: 'training steps between log points' }),
    track_tasks: choice(['all', 'seen'] as const, { help: 'tasks evaluated at each log point: all (needed for forward transfer) or those seen so far' }),
    representation_samples: int({ min: 0, help: 'S, fixed test examples per task whose hidden representations are stored' }),
    snapshots: choices(['representations', 'weights'] as const, { help: 'arrays taken at every log point besides the metrics' }),
    // Optional, so that a conf/ folder or a run's config.yaml from before it still composes.
    dense_snapshots: optional(
      bool({
        default: false,
        help: 'write the snapshots of every log point; false: weights at task ends, representations every 5th log point and at task ends (src/cl/snapshot-policy.ts)',
      }),
    ),
    measures: choices(['plasticity', 'probes'] as const, {
      help: 'plasticity: the layer metrics, gradient maps and weight statistics at every log point; probes: linear probes at each task end',
    }),
    tensorboard: bool({ help: 'also write TensorBoard event files' }),
  },
  variants: {},
});
