"""Figures of a slowly-changing regression run (docs/methods.md, "Measured: slowly-changing regression").

Run with /usr/bin/python3 tools/regression_summary.py RUN_FOLDER [RUN_FOLDER ...]. Each task of such a
run is one bin of the stream, and its train_loss (metrics.npz, one log point per bin) is the squared
error of the bin's examples, each measured before the update that learns from it: Dohare et al.'s
binned error. For each run: the first bin, the first five, the lowest bin of the members' mean curve, the mean of
the last five bins, the last bin and all bins, each as the mean ± std over members (sample std, as
summary.json); the dead hidden units at the end when the plasticity measures were logged; the
training time from provenance.json.
"""
import glob
import json
import os
import sys

import numpy as np


def binned_error(run):
    """[bins, R]: the mean squared error of each bin, per member."""
    tasks = sorted(glob.glob(os.path.join(run, 'task_*', 'metrics.npz')))
    if not tasks:
        raise SystemExit(f'{run}: no finished bins')
    # One log point per bin; with more, the bin's error is their mean (equal windows of steps).
    return np.stack([np.load(path)['train_loss'].mean(0) for path in tasks])


def stat(values):
    return f'{values.mean():.3f} ± {values.std(ddof=1):.3f}'


def summarise(run):
    error = binned_error(run)
    bins = error.shape[0]
    lowest = int(error.mean(1).argmin())
    parts = [
        f'bin 1 {stat(error[0])}',
        f'bins 1-5 {stat(error[:5].mean(0))}',
        f'lowest (bin {lowest + 1}) {stat(error[lowest])}',
        f'bins {bins - 4}-{bins} {stat(error[-5:].mean(0))}',
        f'last {stat(error[-1])}',
        f'all bins {stat(error.mean(0))}',
    ]
    last = np.load(sorted(glob.glob(os.path.join(run, 'task_*', 'metrics.npz')))[-1])
    dead = [key for key in last.files if key.startswith('dead_fraction/')]
    if dead:
        parts.append(f'dead units at the end {stat(last[dead[-1]][-1])}')
    provenance_path = os.path.join(run, 'provenance.json')
    if os.path.exists(provenance_path):
        sessions = json.load(open(provenance_path))['sessions']
        training = sum((session.get('seconds') or {}).get('training', 0) for session in sessions)
        total = sum((session.get('seconds') or {}).get('total', 0) for session in sessions)
        parts.append(f'training {training:.0f} s of {total:.0f} s')
    return f'{os.path.basename(os.path.normpath(run))} ({bins} bins, R = {error.shape[1]}): ' + '; '.join(parts)


if __name__ == '__main__':
    for run in sys.argv[1:]:
        print(summarise(run))
