"""Writes test/fixtures/data/scenarios.json: scenario plans recomputed in Python with torch.

Run with Debian's python3 (it has torch): /usr/bin/python3 tools/make-scenario-fixtures.py
It re-implements the seed derivation of src/data/scenarios/plan.ts (cyrb53 over 'part/part/...')
and draws with torch.Generator().manual_seed(seed), which is how a Python user reproduces a saved
plan; the test checks that the TypeScript plans agree number for number.
"""
import json
import os

import reference_environment  # noqa: F401  (before torch: pins OpenBLAS threads and oneDNN's ISA)
import torch

M = 0xFFFFFFFF


def imul(a, b):
    return ((a & M) * (b & M)) & M


def derive_seed(*parts):
    text = '/'.join(str(p) for p in parts)
    h1, h2 = 0xDEADBEEF, 0x41C6CE57
    for ch in text:
        c = ord(ch)
        h1 = imul(h1 ^ c, 2654435761)
        h2 = imul(h2 ^ c, 1597334677)
    h1 = imul(h1 ^ (h1 >> 16), 2246822507) ^ imul(h2 ^ (h2 >> 13), 3266489909)
    h2 = imul(h2 ^ (h2 >> 16), 2246822507) ^ imul(h1 ^ (h1 >> 13), 3266489909)
    return 4294967296 * (2097151 & h2) + (h1 & M)


def generator(seed):
    return torch.Generator().manual_seed(seed)


seed, members, classes, tasks = 0, 3, 10, 5
member_seeds = [derive_seed(seed, 'member', r) for r in range(members)]
class_pairs = []
for ms in member_seeds:
    order = torch.randperm(classes, generator=generator(derive_seed(ms, 'class-pairs'))).tolist()
    class_pairs.append([order[2 * t:2 * t + 2] for t in range(tasks)])

# class pairs with replacement: 7 tasks of 4 classes, first two of a random ranking per task.
with_replacement = []
for ms in member_seeds:
    keys = torch.rand(7, 4, generator=generator(derive_seed(ms, 'class-pairs')))
    with_replacement.append(torch.sort(keys, 1).indices[:, :2].tolist())

split_random_order = torch.randperm(classes, generator=generator(derive_seed(seed, 'split-order'))).tolist()
permutation_seed = derive_seed(7, 'permutation', 1)
permutation = torch.randperm(16, generator=generator(permutation_seed)).tolist()

fixture = {
    'seed': seed,
    'memberSeeds': member_seeds,
    'classPairs': class_pairs,
    'classPairsWithReplacement': with_replacement,
    'splitRandomOrder': split_random_order,
    'permutationSeed': permutation_seed,
    'permutation16': permutation,
}
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'data', 'scenarios.json')
with open(out, 'w') as f:
    json.dump(fixture, f, indent=1)
    f.write('\n')
print('wrote', os.path.normpath(out))
