// A scoped train/eval switch, like PyTorch's `model.eval()` ... `model.train(was)` pair or tinygrad's
// `with Tensor.train(False):`, written once: evaluation, probes and methods that need a mode for a
// while run their body inside it, and every module gets back its own previous mode, even when the
// body throws.
import type { Module } from './module.js';

/** Runs `body` with every module of `module` in train (true) or eval (false) mode, then restores each module's previous mode. */
export function inMode<T>(module: Module, training: boolean, body: () => T): T {
  const modules = module.namedModules().map(([, child]) => child);
  const previous = modules.map((child) => child.training);
  for (const child of modules) child.training = training;
  try {
    return body();
  } finally {
    modules.forEach((child, index) => (child.training = previous[index]));
  }
}
