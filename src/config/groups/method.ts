// The method group: the learning rule plus optional remedies for forgetting and loss of plasticity.
// Remedies combine (OGD with an L1 penalty is a studied pair, docs/methods.md), so each is an optional key or section
// added on the command line, e.g. `+method.l1=1.0` or `+method.ewc.lambda=1000`; a section added
// through one of its keys starts from its defaults. The keys are declared by the methods themselves,
// each in its own file, and gathered by the method registry (src/cl/methods/registry.ts): the one
// place where the config layer reads from src/cl/.
import { methodKeys, methodRegistry } from '../../cl/methods/registry.js';
import { group } from '../group.js';

export const method = group({
  name: 'method',
  help: 'learning rule and continual-learning remedies',
  discriminator: undefined,
  common: methodKeys,
  variants: {},
  notes: [
    'methods, in the order their hooks run:',
    ...methodRegistry.map((definition, index) => `  ${index + 1}. ${'rule' in definition ? `method.rule=${definition.rule}` : `+method.${definition.key}`}: ${definition.help}${definition.algorithm ? ' (part of the learning algorithm: the baselines use it too)' : ''}`),
  ],
});
