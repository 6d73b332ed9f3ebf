// plab sweep status|collect DIR: follow a sweep submitted with launcher=slurm, then write its summary.
import { runOutcomes, writeSweepSummary } from '../launch/sweep-summary.js';
import { readManifest, sweepStates } from '../launch/slurm.js';

const usage = `usage: plab sweep status DIR | plab sweep collect DIR

DIR is the sweep folder that 'plab run -m … launcher=slurm' printed (it holds sweep.json).
status   each job's state (from squeue while SLURM holds it, then from the job's folder)
collect  once every job has finished: merges each population's member shards into its run folder,
         then writes DIR/sweep_summary.json and prints the table`;

export function sweepCommand(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const [sub, dir, ...rest] = argv;
  if ((sub !== 'status' && sub !== 'collect') || !dir || rest.length) throw new Error(usage);
  const manifest = readManifest(dir);
  const states = sweepStates(manifest);
  if (sub === 'status') {
    console.log(`sweep ${dir}: SLURM job ${manifest.slurm_job_id}, ${states.filter((s) => s.done).length} of ${states.length} jobs done`);
    for (const { job, state } of states) console.log(`  ${job.name.padEnd(40)} ${state.padEnd(12)} ${job.runDir}`);
    return 0;
  }
  const pending = states.filter((s) => !s.done);
  if (pending.length) {
    throw new Error(`sweep ${dir}: ${pending.length} of ${states.length} jobs not done (${pending.map((s) => `${s.job.name}: ${s.state}`).join('; ')}); 'plab sweep status ${dir}' follows them`);
  }
  return writeSweepSummary(dir, runOutcomes(manifest.jobs));
}
