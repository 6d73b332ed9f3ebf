// Every parameter at each log point (logging.snapshots includes weights): weights.npz.
import type { Metric } from '../metric.js';

export const weightsMetric: Metric = {
  name: 'weights',
  help: 'weights/{parameter} (R, ...): every parameter, by its path',
  enabled: (settings) => settings.snapshotWeights,
  startTask({ model, log }) {
    return {
      onLogPoint() {
        for (const [name, parameter] of model.namedParameters()) log.append(`weights/${name}`, parameter.shape, parameter.data() as Float32Array);
      },
    };
  },
};
