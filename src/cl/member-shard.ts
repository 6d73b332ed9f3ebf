// Member shards (launcher.shards = S): a population of R members trained as S jobs of consecutive
// members, each member with the global index it has in the whole population, so its seeds, data
// order, class order and method streams are the ones it would draw in one run of all R members.
import type { ExperimentConfig } from '../config/index.js';

export interface MemberShard {
  /** Global index of the shard's first member. */
  from: number;
  /** One past its last member. */
  to: number;
  /** The whole population's size (training.members). */
  total: number;
}

/** The members that `config` trains: all of them, or shard launcher.shard of launcher.shards. */
export function memberShard(config: Pick<ExperimentConfig, 'training' | 'launcher' | 'model'>): MemberShard {
  const total = config.training.members;
  const { shards = 1, shard = null } = config.launcher;
  if (shard === null) return { from: 0, to: total, total };
  // A lone member computes as PyTorch's single network does (addmm, not baddbmm: src/nn/linear.ts),
  // which rounds differently from the same member in a population (weights ~1e-6 apart after one
  // MNIST task), so every shard keeps at least two members.
  if (shards > 1 && Math.floor(total / shards) < 2) {
    throw new Error(`launcher.shards=${shards} leaves shards of fewer than 2 of training.members=${total}; a lone member rounds differently from a population's, so use at most ${Math.max(1, Math.floor(total / 2))} shards`);
  }
  if (shard >= shards) throw new Error(`launcher.shard=${shard} is not one of the ${shards} shards (0 to ${shards - 1})`);
  // libtorch's default generator, which dropout draws from, serves all members of a process at once:
  // a shard's members would draw other masks than in one run.
  const dropout = (config.model as { dropout?: number }).dropout ?? 0;
  if (dropout > 0) throw new Error(`launcher.shards needs model.dropout=0 (got ${dropout}): dropout masks come from one generator shared by a process's members, so a shard would not reproduce the unsharded run`);
  return { from: Math.floor((shard * total) / shards), to: Math.floor(((shard + 1) * total) / shards), total };
}
