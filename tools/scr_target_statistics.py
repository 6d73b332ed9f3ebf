"""The slowly-changing regression's target networks under the two counts of S_i (docs/methods.md,
"Measured: slowly-changing regression"), written apart from plab in NumPy.

Run with /usr/bin/python3 tools/scr_target_statistics.py [NETWORKS]. For NETWORKS target networks
(default 50) of 100 LTUs over m = 20 bits, β = 0.7, every weight ±1, it draws 20,000 inputs of
i.i.d. bits and prints the target's variance and the share of active units, averaged over the
networks: with the papers' count (negative weights among all m + 1) and with the authors' released
code's ((m − Σ input weights + constant weight)/2).
"""
import sys

import numpy as np

M, HIDDEN, BETA, SAMPLES = 20, 100, 0.7, 20_000


def statistics(released_code, networks, seed=0):
    rng = np.random.default_rng(seed)
    variances, active = [], []
    for _ in range(networks):
        weights = rng.integers(0, 2, (HIDDEN, M)) * 2 - 1
        constant = rng.integers(0, 2, HIDDEN) * 2 - 1
        output = rng.integers(0, 2, HIDDEN) * 2 - 1
        bias = rng.integers(0, 2) * 2 - 1
        if released_code:
            count = (M - weights.sum(1) + constant) / 2
        else:
            count = (weights < 0).sum(1) + (constant < 0)
        threshold = BETA * (M + 1) - count
        inputs = rng.integers(0, 2, (SAMPLES, M))
        units = ((inputs @ weights.T + constant) > threshold).astype(float)
        target = units @ output + bias
        variances.append(target.var())
        active.append(units.mean())
    return np.mean(variances), np.mean(active)


if __name__ == '__main__':
    networks = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    for name, released in [('paper', False), ('released_code', True)]:
        variance, active = statistics(released, networks)
        print(f'{name}: target variance {variance:.2f}, units active {100 * active:.1f} % of the time ({networks} networks)')
