// Checkpoints for resuming a run at a task boundary: every tensor of the run's state (model,
// optimizer and method state, by name), the states of its random streams, the index of the next
// task and a little JSON. Tensors go to an .npz, readable with numpy.load; checkpoint.json, written
// after it, names that .npz and is the checkpoint's commit point: a kill before it leaves the
// previous checkpoint in force, a kill after it leaves the new one complete.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Generator, Tensor } from '../tensor/index.js';
import { writeFileAtomic, writeJsonAtomic, type AtomicWriteOptions } from './atomic.js';
import { fromNdArray, toNdArray, type NdArray } from './npy.js';
import { decodeNpz, encodeNpz } from './npz.js';

/** A run's state at a task boundary, as saved and as loaded: the one checkpoint type of plab. */
export interface Checkpoint {
  /** Tasks [0, nextTask) are finished; a resumed run starts at nextTask. */
  nextTask: number;
  /** The run's state tensors by name, e.g. 'model/fc1.weight', 'optimizer/0/exp_avg'; loaded ones are new CPU tensors, to copy into place (loadStateDict) and dispose. */
  tensors: Map<string, Tensor>;
  /** Random-stream states by name: Generator.getState() per member, getRngState() for the default. */
  rngStates: Map<string, Tensor>;
  /** Small JSON-serialisable state (counters, flags); null when there is none. */
  extra: unknown;
}

interface Manifest {
  format: 'plab-checkpoint';
  /** 2: snake_case keys (1 had nextTask and rngStates). */
  version: 2;
  next_task: number;
  /** The .npz in the checkpoint folder that holds this checkpoint's tensors. */
  arrays: string;
  tensors: string[];
  rng_states: string[];
  extra: unknown;
}

const MANIFEST = 'checkpoint.json';
const TENSOR_PREFIX = 'tensor/';
const RNG_PREFIX = 'rng/';

function arraysFile(nextTask: number): string {
  return `state_${String(nextTask).padStart(3, '0')}.npz`;
}

/**
 * Saves a checkpoint into `directory` (a run's checkpoint/ folder). Older checkpoints' arrays are
 * deleted only after the new manifest is in place.
 */
export function saveCheckpoint(directory: string, checkpoint: Checkpoint, options: AtomicWriteOptions = {}): void {
  if (!Number.isInteger(checkpoint.nextTask) || checkpoint.nextTask < 0) throw new RangeError(`saveCheckpoint: nextTask must be a whole number >= 0, got ${checkpoint.nextTask}`);
  const arrays = new Map<string, NdArray>();
  const tensors = [...checkpoint.tensors];
  const rngStates = [...checkpoint.rngStates];
  for (const [name, t] of tensors) arrays.set(TENSOR_PREFIX + name, toNdArray(t));
  for (const [name, t] of rngStates) arrays.set(RNG_PREFIX + name, toNdArray(t));
  const file = arraysFile(checkpoint.nextTask);
  writeFileAtomic(join(directory, file), encodeNpz(arrays), options);
  const manifest: Manifest = {
    format: 'plab-checkpoint',
    version: 2,
    next_task: checkpoint.nextTask,
    arrays: file,
    tensors: tensors.map(([name]) => name),
    rng_states: rngStates.map(([name]) => name),
    extra: checkpoint.extra ?? null,
  };
  writeJsonAtomic(join(directory, MANIFEST), manifest, options);
  for (const name of readdirSync(directory)) {
    if (/^state_\d+\.npz$/.test(name) && name !== file) rmSync(join(directory, name), { force: true });
  }
}

/** The checkpoint in `directory`, or null when there is none yet. */
export function loadCheckpoint(directory: string): Checkpoint | null {
  const manifestPath = join(directory, MANIFEST);
  if (!existsSync(manifestPath)) return null;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (error) {
    throw new Error(`${manifestPath} is damaged (${(error as Error).message}); delete the checkpoint folder to restart the run from task 0`);
  }
  if (manifest.format !== 'plab-checkpoint' || manifest.version !== 2) {
    throw new Error(
      `${manifestPath} is not a plab checkpoint of version 2 (format ${manifest.format}, version ${manifest.version}); an older plab wrote it: finish the run with that version, or delete the checkpoint folder to restart the run from task 0`,
    );
  }
  const arraysPath = join(directory, manifest.arrays);
  if (!existsSync(arraysPath)) throw new Error(`${manifestPath} names ${manifest.arrays}, which is missing; delete the checkpoint folder to restart the run from task 0`);
  const arrays = decodeNpz(readFileSync(arraysPath), arraysPath);
  const take = (prefix: string, names: string[]): Map<string, Tensor> => {
    const result = new Map<string, Tensor>();
    for (const name of names) {
      const array = arrays.get(prefix + name);
      if (!array) throw new Error(`${arraysPath} lacks '${prefix + name}', which ${MANIFEST} lists; the checkpoint is damaged`);
      result.set(name, fromNdArray(array));
    }
    return result;
  };
  return { nextTask: manifest.next_task, tensors: take(TENSOR_PREFIX, manifest.tensors), rngStates: take(RNG_PREFIX, manifest.rng_states), extra: manifest.extra };
}

/** The states of named generators, for Checkpoint.rngStates. */
export function generatorStates(generators: Record<string, Generator>): Map<string, Tensor> {
  return new Map(Object.entries(generators).map(([name, generator]) => [name, generator.getState() as Tensor]));
}

/** Puts saved states back into named generators; every generator must have a saved state. */
export function restoreGenerators(generators: Record<string, Generator>, states: Map<string, Tensor>): void {
  for (const [name, generator] of Object.entries(generators)) {
    const state = states.get(name);
    if (!state) throw new Error(`the checkpoint holds no state for generator '${name}' (it has ${[...states.keys()].join(', ') || 'none'})`);
    generator.setState(state);
  }
}
