// Seeded random streams with PyTorch's numbers: libtorch's CPU generator is PyTorch's.
import { native, type NativeGeneratorHandle } from './native.js';
import { Tensor } from './tensor.js';

/** torch.manual_seed: seeds the default generator of every device. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** The default CPU generator's state (torch.get_rng_state), for checkpoints. */
export function getRngState(): Tensor {
  return new Tensor(native.defaultGeneratorState());
}

/** torch.set_rng_state. */
export function setRngState(state: Tensor): void {
  native.setDefaultGeneratorState(state.handle);
}

/** torch.Generator(device).manual_seed(seed): a private stream, e.g. one per population member. */
export class Generator {
  /** The addon's generator, which operators take as their generator argument. */
  readonly handle: NativeGeneratorHandle;

  constructor(seed = 0, device = 'cpu') {
    this.handle = new native.GeneratorHandle(seed, device);
  }
  get seed(): number {
    return this.handle.seed;
  }
  manualSeed(seed: number): this {
    this.handle.manualSeed(seed);
    return this;
  }
  /** The stream's state (torch.Generator.get_state), for checkpoints. */
  getState(): Tensor {
    return new Tensor(this.handle.getState());
  }
  setState(state: Tensor): void {
    this.handle.setState(state.handle);
  }
}
