// Random streams of a method, one per member, so that member r's noise does not depend on how many
// members share the population (as R separate runs would draw it). Each method salts the member
// seeds differently, apart from the streams of initialisation and data order.
import { Generator, ops, scope, type Tensor } from '../../tensor/index.js';

export class MemberRandom {
  /** Generators by device, then member; made on first use on that device. */
  private readonly streams = new Map<string, Generator[]>();

  constructor(
    private readonly seeds: readonly number[],
    private readonly salt: number,
  ) {}

  get members(): number {
    return this.seeds.length;
  }

  generator(member: number, device = 'cpu'): Generator {
    let generators = this.streams.get(device);
    if (!generators) {
      generators = this.seeds.map((seed) => new Generator(seed + this.salt, device));
      this.streams.set(device, generators);
    }
    return generators[member];
  }

  /** Fills each member's slice of `target` [R, ...] with N(0, 1) from that member's stream. */
  normal_(target: Tensor): Tensor {
    this.checkMembers(target);
    // The per-member views are released here, wherever this is called from (an in-place call
    // returns its own argument, so target stays the caller's).
    scope(() => {
      for (let member = 0; member < this.members; member += 1) ops.normal_(target.select(0, member), 0, 1, this.generator(member, target.device));
    });
    return target;
  }

  /**
   * Fills each member's slice of `target` [R, ...] with U(low, high); with `member`, target is
   * [1, ...] and is filled from that member's stream alone.
   */
  uniform_(target: Tensor, low: number, high: number, member?: number): Tensor {
    if (member !== undefined) {
      ops.uniform_(target, low, high, this.generator(member, target.device));
      return target;
    }
    this.checkMembers(target);
    scope(() => {
      for (let index = 0; index < this.members; index += 1) ops.uniform_(target.select(0, index), low, high, this.generator(index, target.device));
    });
    return target;
  }

  /** One U(0, 1) number per member, on the host (for decisions such as how many units to replace). */
  hostUniform(): number[] {
    return Array.from({ length: this.members }, (_, member) => ops.rand([1], this.generator(member)).item());
  }

  /** Generator states, for checkpoints: `rng.{device}.{member}`; fresh tensors, the caller's scope owns them. */
  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>();
    for (const [device, generators] of this.streams) generators.forEach((generator, member) => result.set(`rng.${device}.${member}`, generator.getState() as Tensor));
    return result;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    for (const [key, value] of state) {
      const match = /^rng\.(.+)\.(\d+)$/.exec(key);
      if (match) this.generator(Number(match[2]), match[1]).setState(value);
    }
  }

  private checkMembers(target: Tensor): void {
    if (target.shape[0] !== this.members) throw new Error(`MemberRandom: tensor [${target.shape}] has ${target.shape[0]} members, the streams have ${this.members}`);
  }
}
