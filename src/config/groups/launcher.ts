// The launcher group: where a sweep's jobs (`plab run -m …`) run, as Hydra's launcher plugins choose.
// local runs them as processes on this machine; slurm submits them as one SLURM job array.
import { group } from '../group.js';
import { int, nullable, optional, string, strings } from '../spec.js';

export const launcher = group({
  name: 'launcher',
  help: "where a sweep's jobs run: local processes or a SLURM job array",
  discriminator: 'name',
  common: {
    // Optional, so that launcher files and run folders' config.yaml written before shards stay valid.
    shards: optional(int({ min: 1, default: 1, help: 'member shards: training.members split into this many jobs of consecutive members, merged by plab sweep collect' })),
    shard: optional(nullable(int({ min: 0, help: 'which shard this job runs (set by the launcher for each shard job); null = all members' }), { default: null })),
  },
  variants: {
    local: {
      jobs: int({ min: 1, help: 'runs at a time, each in its own process (-j N sets it too)' }),
    },
    slurm: {
      partition: nullable(string({ help: 'sbatch --partition; null = the cluster default' })),
      cpus_per_task: int({ min: 1, help: 'sbatch --cpus-per-task' }),
      mem: nullable(string({ help: "sbatch --mem per job, e.g. '4G'; null = the partition default" })),
      time: nullable(string({ help: "sbatch --time, e.g. '02:00:00'; null = the partition default" })),
      gres: nullable(string({ help: "sbatch --gres, e.g. 'gpu:1'; null = none" })),
      account: nullable(string({ help: 'sbatch --account; null = the user default' })),
      extra: strings({ help: "extra sbatch options, one per '#SBATCH' line, e.g. ['--qos=short']" }),
    },
  },
});
