"""Figures of an online permuted MNIST run (docs/methods.md, "Methods that keep plasticity").

Run with /usr/bin/python3 tools/plasticity_summary.py [--tasks N] RUN_FOLDER [RUN_FOLDER ...]; with
--tasks, only the first N finished tasks count (to set a shorter run beside a longer one). For each run:
the online accuracy (train_acc, measured on each batch before the update that learns from it) of
the first and the last five tasks, and the fraction of dead units of the last hidden layer at the
end; each as the mean ± std over members (sample std, as summary.json).
"""
import glob
import os
import sys

import numpy as np


def summarise(run, limit=None):
    tasks = sorted(glob.glob(os.path.join(run, 'task_*', 'metrics.npz')))[:limit]
    if len(tasks) < 10:
        raise SystemExit(f'{run}: {len(tasks)} finished tasks; need at least 10')
    last = np.load(tasks[-1])
    kept = np.isfinite(last['train_loss']).all(0)  # [R]: members still training at the end
    online = np.stack([np.load(path)['train_acc'].mean(0) for path in tasks])[:, kept]  # [T, R kept]
    dead_keys = sorted(k for k in last.files if k.startswith('dead_fraction/'))
    dead = last[dead_keys[-1]][-1][kept]  # the last log point of the last hidden layer
    first, final = online[:5].mean(0), online[-5:].mean(0)
    return f'{os.path.basename(os.path.normpath(run))}: online accuracy, tasks 1-5 {first.mean():.3f} ± {first.std(ddof=1):.3f}, tasks {len(tasks) - 4}-{len(tasks)} {final.mean():.3f} ± {final.std(ddof=1):.3f}; dead units ({dead_keys[-1].split("/")[1]}) {dead.mean():.3f} ± {dead.std(ddof=1):.3f}; R = {online.shape[1]}' + (f' ({(~kept).sum()} of {kept.size} members diverged and are left out)' if not kept.all() else '')


if __name__ == '__main__':
    arguments = sys.argv[1:]
    limit = None
    if arguments[:1] == ['--tasks']:
        limit = int(arguments[1])
        arguments = arguments[2:]
    for run in arguments:
        print(summarise(run, limit))
