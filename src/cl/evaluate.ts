// Evaluation of a population on one evaluation set, in chunks, for every member at once.
import { inMode } from '../nn/mode.js';
import type { Model } from '../nn/models/model.js';
import { noGrad, ops, scope, type Tensor } from '../tensor/index.js';

/** Images [N, R, ...sample] and labels [N, R]: each member has its own samples (class pairs). */
export interface EvalSet {
  images: Tensor;
  labels: Tensor;
}

export interface Evaluation {
  /** Mean cross-entropy per member, [R]. */
  loss: Float64Array;
  /** Accuracy per member, [R]. */
  accuracy: Float64Array;
  /** Accuracy per member and class, [R, C] row-major (NaN for a class with no samples). */
  perClassAccuracy: Float64Array;
  /** Mean softmax probability per member and class over the set, [R, C]. */
  meanProbability: Float64Array;
  /** Mean probability the samples of class c give class c, per member, [R, C] (NaN for a class with no samples). */
  trueClassProbability: Float64Array;
}

export interface EvaluationOptions {
  numClasses: number;
  /** Samples per forward pass, to bound memory on large sets. */
  chunkSize?: number;
  /** Logits columns outside the head (task-incremental): masked to -inf before softmax. */
  headMask?: Tensor | null;
  /** Scores that replace the logits (a method's classifier, Learner.predict); null keeps the logits. */
  predict?: Predictor;
}

/** Scores [R, n, C] for inputs [n, R, ...] in place of the model's logits; null keeps the logits. */
export type Predictor = (inputs: Tensor) => Tensor | null;

export function evaluate(model: Model, set: EvalSet, options: EvaluationOptions): Evaluation {
  const { numClasses } = options;
  const members = model.members;
  const total = set.images.shape[0];
  const chunk = options.chunkSize ?? 2048;
  return inMode(model, false, () =>
    scope(() =>
      noGrad(() => {
        const lossSum = ops.zeros([members], 'float64');
        const correctPerClass = ops.zeros([members, numClasses], 'float64');
        const countPerClass = ops.zeros([members, numClasses], 'float64');
        const probabilitySum = ops.zeros([members, numClasses], 'float64');
        const trueProbabilitySum = ops.zeros([members, numClasses], 'float64');
        for (let start = 0; start < total; start += chunk) {
          scope(() => {
            const length = Math.min(chunk, total - start);
            const images = set.images.narrow(0, start, length);
            const labels = set.labels.narrow(0, start, length).transpose(0, 1); // [R, n]
            let logits = options.predict?.(images) ?? model.run(images).logits; // [R, n, C]
            if (options.headMask) logits = logits.add(options.headMask);
            const logProbabilities = ops.logSoftmax(logits, 2, 'float64');
            const picked = logProbabilities.gather(2, labels.unsqueeze(2)).squeeze(2); // [R, n]
            lossSum.sub_(picked.sum(1));
            const correct = logits.argmax(2).eq(labels).to('float64');
            const oneHot = ops.oneHot(labels, numClasses).to('float64'); // [R, n, C]
            correctPerClass.add_(oneHot.mul(correct.unsqueeze(2)).sum(1));
            countPerClass.add_(oneHot.sum(1));
            const probabilities = logProbabilities.exp();
            probabilitySum.add_(probabilities.sum(1));
            trueProbabilitySum.add_(oneHot.mul(probabilities).sum(1));
          });
        }
        const correct = correctPerClass.sum(1);
        return {
          loss: lossSum.div(total).data() as Float64Array,
          accuracy: correct.div(total).data() as Float64Array,
          perClassAccuracy: correctPerClass.div(countPerClass).data() as Float64Array,
          meanProbability: probabilitySum.div(total).data() as Float64Array,
          trueClassProbability: trueProbabilitySum.div(countPerClass).data() as Float64Array,
        };
      }),
    ),
  );
}
