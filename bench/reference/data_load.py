"""PyTorch reference for bench/data-load.ts: MNIST's IDX files (and Fashion-MNIST's gzipped ones)
read into uint8 image and int64 label tensors, median of 5 runs, in milliseconds."""
import gzip
import json
import sys
import time

import numpy as np
import torch


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape).copy())


def load(files):
    images = [idx(files[0]).unsqueeze(1), idx(files[2]).unsqueeze(1)]
    labels = [idx(files[1]).long(), idx(files[3]).long()]
    return images, labels


torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
result = {}
for name, files in json.loads(sys.argv[1]).items():
    times = []
    for _ in range(5):
        start = time.perf_counter()
        load(files)
        times.append((time.perf_counter() - start) * 1000)
    result[name] = sorted(times)[2]
print(json.dumps(result))
