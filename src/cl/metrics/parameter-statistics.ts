// Statistics of the parameters at each log point (logging.measures includes plasticity): weight
// magnitude, bias statistics, and each parameter's relative update since the previous log point.
import { biasStatistics, relativeUpdate, weightMagnitude } from '../../metrics/index.js';
import type { Model } from '../../nn/models/model.js';
import { keep, noGrad, scope, type Tensor } from '../../tensor/index.js';
import type { Metric } from '../metric.js';
import { float32 } from './float32.js';

/** Copies of the parameters, by path, for relative updates. */
export function parameterCopies(model: Model): Map<string, Tensor> {
  return scope(() => keep(new Map(model.namedParameters().map(([name, parameter]) => [name, noGrad(() => parameter.detach().clone())]))));
}

export const parameterStatisticsMetric: Metric = {
  name: 'parameter_statistics',
  help: 'weight_magnitude/mean_abs and /rms (R); bias_mean, bias_median, bias_std/{bias} (R); relative_update/{parameter} (R) since the previous log point',
  enabled: (settings) => settings.plasticity,
  startTask({ model, log }) {
    // Relative updates are measured from the task's start, so a resumed task measures the same.
    const previous = parameterCopies(model);
    const members = model.members;
    return {
      onLogPoint() {
        scope(() =>
          noGrad(() => {
            const magnitude = weightMagnitude(model.parameters());
            log.append('weight_magnitude/mean_abs', [members], float32(magnitude.meanAbs));
            log.append('weight_magnitude/rms', [members], float32(magnitude.rms));
            for (const [name, parameter] of model.namedParameters()) {
              if (name.endsWith('bias') && parameter.ndim === 2) {
                const statistics = biasStatistics(parameter);
                log.append(`bias_mean/${name}`, [members], float32(statistics.mean));
                log.append(`bias_median/${name}`, [members], float32(statistics.median));
                log.append(`bias_std/${name}`, [members], float32(statistics.std));
              }
              const before = previous.get(name)!;
              log.append(`relative_update/${name}`, [members], float32(relativeUpdate(before, parameter)));
              before.copy_(parameter);
            }
          }),
        );
      },
      dispose() {
        for (const copy of previous.values()) copy.dispose();
      },
    };
  },
};
