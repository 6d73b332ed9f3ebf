// plab sweep status|collect DIR: follow a sweep submitted with launcher=slurm, then write its summary.
import { runOutcomes, writeSweepSummary } from '../launch/sweep-summary.js';
import { readManifest, sweepStates } from '../launch/slurm.js';

/** `plab sweep status DIR` and `plab sweep collect DIR`. */
export function sweepCommand(sub: 'status' | 'collect', dir: string): number {
  const manifest = readManifest(dir);
  const states = sweepStates(manifest);
  if (sub === 'status') {
    console.log(`sweep ${dir}: SLURM job ${manifest.slurm_job_id}, ${states.filter((s) => s.done).length} of ${states.length} jobs done`);
    for (const { job, state } of states) console.log(`  ${job.name.padEnd(40)} ${state.padEnd(12)} ${job.run_dir}`);
    return 0;
  }
  const pending = states.filter((s) => !s.done);
  if (pending.length) {
    throw new Error(`sweep ${dir}: ${pending.length} of ${states.length} jobs not done (${pending.map((s) => `${s.job.name}: ${s.state}`).join('; ')}); 'plab sweep status ${dir}' follows them`);
  }
  return writeSweepSummary(dir, runOutcomes(manifest.jobs));
}
