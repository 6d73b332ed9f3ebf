"""PyTorch reference for bench/memory.ts: resident memory over N training steps of the seed MLP."""
import json
import resource
import sys

import torch
import torch.nn.functional as F

steps, baseline_step = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)


def rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(), torch.nn.Linear(84, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.rand(64, 784), torch.randint(0, 10, (64,))
baseline = peak = 0.0
for step in range(1, steps + 1):
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step == baseline_step:
        baseline = rss_mib()
    if step > baseline_step and step % 100 == 0:
        peak = max(peak, rss_mib())
print(json.dumps({"baseline": baseline, "peak": peak}))
