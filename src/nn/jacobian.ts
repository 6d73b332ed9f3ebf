// Per-example Jacobians of any slice of a model, a function x -> y built from modules: the
// vmap(jacrev(slice)) of the cloning analysis (docs/cloning.md), through reverse-mode autograd.
//
// Examples are indexed by the leading `exampleDims` dimensions of x and y (1: [B, ...]; 2: a
// population's [R, B, ...]); the rest are features. The function must treat examples independently
// (BatchNorm in eval mode, no dropout), which is what makes the tricks below exact.
import { enableGrad, grad, keep, noGrad, ops, scope, type Tensor } from '../tensor/index.js';

export interface JacobianOptions {
  /** How many leading dimensions index examples; the last of them is the batch. Default 1. */
  exampleDims?: number;
  /** Output units per backward pass (input Jacobians): bounds memory, which grows as chunk × batch. */
  chunkSize?: number;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function exampleLayout(x: Tensor, y: Tensor, exampleDims: number): { outFeatures: number[]; units: number } {
  const exampleShape = x.shape.slice(0, exampleDims);
  if (y.shape.slice(0, exampleDims).join(',') !== exampleShape.join(',')) {
    throw new Error(
      `jacobian: the function maps examples [${exampleShape.join(', ')}] (the first ${exampleDims} dimension(s) of x) to [${y.shape.slice(0, exampleDims).join(', ')}]; ` +
        'it must keep the example dimensions in front (transpose inside the function, or set exampleDims)',
    );
  }
  const outFeatures = y.shape.slice(exampleDims);
  return { outFeatures, units: product(outFeatures) };
}

/**
 * Jacobians of `fn` at each example of `x` with respect to that example's input:
 * [...exampleShape, ...outputFeatureShape, ...inputFeatureShape].
 *
 * Vectorised over examples and output units: each backward pass takes a chunk of m output units,
 * with the batch stacked m times (copy j seeds unit j), so one pass yields m rows for every example.
 * The number of passes is ceil(units / chunkSize), never the number of input elements.
 */
export function inputJacobian(fn: (x: Tensor) => Tensor, x: Tensor, options: JacobianOptions = {}): Tensor {
  const exampleDims = options.exampleDims ?? 1;
  if (!Number.isInteger(exampleDims) || exampleDims < 1 || exampleDims >= x.ndim + 1) {
    throw new Error(`inputJacobian: exampleDims must be between 1 and ${x.ndim}, got ${exampleDims}`);
  }
  const batchDim = exampleDims - 1;
  const lead = x.shape.slice(0, batchDim);
  const batch = x.shape[batchDim];
  const inFeatures = x.shape.slice(exampleDims);
  // A forward pass to learn the output's shape; scope() frees what it made, never x itself.
  const { outFeatures, units } = scope(() => exampleLayout(x, noGrad(() => fn(x)), exampleDims));
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? units, units));
  const chunks: Tensor[] = [];
  for (let start = 0; start < units; start += chunkSize) {
    const size = Math.min(chunkSize, units - start);
    chunks.push(
      keep(
        scope(() =>
          enableGrad(() => {
            // [...lead, B, ...in] -> [...lead, size*B, ...in]: copy j of the batch seeds unit start + j.
            const stacked = x.detach().unsqueeze(batchDim).expand(...lead, size, batch, ...inFeatures).reshape(...lead, size * batch, ...inFeatures).clone();
            stacked.requiresGrad = true;
            const y = fn(stacked);
            const seeds = ops
              .eye(units, y.dtypeName)
              .narrow(0, start, size)
              .view(...lead.map(() => 1), size, 1, units)
              .expand(...lead, size, batch, units)
              .reshape(...y.shape);
            const [rows] = grad(y, [stacked], { gradOutputs: [seeds] });
            // [...lead, size, B, ...in] -> [...lead, B, size, ...in]
            return rows!.view(...lead, size, batch, ...inFeatures).transpose(batchDim, batchDim + 1);
          }),
        ),
      ),
    );
  }
  const jacobian = scope(() => ops.cat(chunks, exampleDims).reshape(...lead, batch, ...outFeatures, ...inFeatures));
  for (const chunk of chunks) chunk.dispose();
  return jacobian;
}

/**
 * Jacobians of `fn` at each example of `x` with respect to `parameters`, one tensor per parameter:
 * [B, ...outputFeatureShape, ...parameterShape] with exampleDims 1. With exampleDims 2, x is a
 * population's [R, B, ...] and each parameter [R, ...] belongs to a member: member r's rows are
 * the derivatives of its outputs by its own slice, [R, B, ...outputFeatureShape, ...shape[1:]].
 *
 * Parameters are shared by the examples of a batch, so a backward pass cannot separate them: this
 * runs one forward pass per example and one backward pass per output unit (all members at once).
 */
export function parameterJacobian(fn: (x: Tensor) => Tensor, x: Tensor, parameters: Tensor[], options: JacobianOptions = {}): Tensor[] {
  const exampleDims = options.exampleDims ?? 1;
  if (exampleDims !== 1 && exampleDims !== 2) throw new Error(`parameterJacobian: exampleDims must be 1 ([B, ...]) or 2 ([R, B, ...]), got ${exampleDims}`);
  const members = exampleDims === 2 ? x.shape[0] : 1;
  if (exampleDims === 2) {
    for (const parameter of parameters) {
      if (parameter.shape[0] !== members) {
        throw new Error(`parameterJacobian: with exampleDims 2 every parameter must lead with the ${members} members of x, got [${parameter.shape.join(', ')}]`);
      }
    }
  }
  const batchDim = exampleDims - 1;
  const batch = x.shape[batchDim];
  let outFeatures: number[] = [];
  // perExample[b][p]: [R?, units, ...] for example b and parameter p.
  const perExample: Tensor[][] = [];
  for (let example = 0; example < batch; example += 1) {
    perExample.push(
      keep(
        scope(() =>
          enableGrad(() => {
            const single = x.detach().narrow(batchDim, example, 1);
            const y = fn(single);
            const layout = exampleLayout(single, y, exampleDims);
            outFeatures = layout.outFeatures;
            const flat = y.reshape(members, layout.units);
            const rows: Tensor[][] = parameters.map(() => []);
            for (let unit = 0; unit < layout.units; unit += 1) {
              const seed = ops.zerosLike(flat);
              seed.select(1, unit).fill_(1);
              const gradients = grad(flat, parameters, { gradOutputs: [seed], retainGraph: unit < layout.units - 1, allowUnused: true });
              gradients.forEach((gradient, p) => rows[p].push(gradient ?? ops.zerosLike(parameters[p])));
            }
            // Members (exampleDims 2) stay in front: [R, units, ...shape[1:]]; else [units, ...shape].
            return rows.map((unitRows) => ops.stack(unitRows, exampleDims === 2 ? 1 : 0));
          }),
        ),
      ),
    );
  }
  const lead = exampleDims === 2 ? [members] : [];
  const jacobians = scope(() =>
    parameters.map((parameter, p) => {
      const shape = exampleDims === 2 ? parameter.shape.slice(1) : parameter.shape;
      return ops.stack(perExample.map((rows) => rows[p]), batchDim).reshape(...lead, batch, ...outFeatures, ...shape);
    }),
  );
  for (const rows of perExample) for (const row of rows) row.dispose();
  return jacobians;
}
