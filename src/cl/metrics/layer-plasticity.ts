// The plasticity metrics of every hidden layer (docs/metrics.md), for every member at once, on the
// snapshot samples of all tracked tasks together (logging.measures includes plasticity).
import { layerMetrics, snapshot } from '../../metrics/index.js';
import { inMode } from '../../nn/mode.js';
import { keep, ops, scope, type Tensor } from '../../tensor/index.js';
import type { EvalSet } from '../evaluate.js';
import type { Metric } from '../metric.js';
import { float32 } from './float32.js';

/** The snapshot samples of all tracked tasks together: images [T*S, R, ...], labels [T*S, R]. */
export function pooledSamples(sets: readonly EvalSet[]): EvalSet {
  return { images: ops.cat(sets.map((set) => set.images), 0), labels: ops.cat(sets.map((set) => set.labels), 0) };
}

const SPARSITY = 'population_sparsity/';

export const layerPlasticityMetric: Metric = {
  name: 'layer_plasticity',
  help: '{metric}/{layer} (R) for dead_fraction, dup_fraction, eff_rank, stable_rank, lop_stable_rank, saturated_frac, dormant_ratio, feature_norm, population_sparsity; gradient_map/{layer} (R, H) mean |∂L/∂h| per unit',
  enabled: (settings) => settings.plasticity,
  startTask({ model, tracked, log, settings }) {
    const samples = keep(pooledSamples(tracked.map((task) => task.snapshot)));
    const members = model.members;
    return {
      onLogPoint() {
        scope(() => {
          const view = inMode(model, false, () => snapshot(model, samples.images, samples.labels.transpose(0, 1), settings.loss));
          view.hidden.forEach(([layer, activations], index) => {
            const gradients = view.gradients[index][1];
            const metrics = layerMetrics(activations, { gradients });
            for (const [name, values] of Object.entries(metrics)) log.append(`${name}/${layer}`, [members], float32(values as Tensor));
            const units = activations.shape[2];
            log.append(`gradient_map/${layer}`, [members, units], float32(gradients.abs().mean(1)));
          });
        });
      },
      onTaskEnd() {
        const populationSparsity: Record<string, number[]> = {};
        for (const name of log.names()) {
          if (name.startsWith(SPARSITY)) populationSparsity[name.slice(SPARSITY.length)] = Array.from(log.last(name) as Float32Array);
        }
        return { populationSparsity };
      },
      dispose() {
        samples.images.dispose();
        samples.labels.dispose();
      },
    };
  },
};
