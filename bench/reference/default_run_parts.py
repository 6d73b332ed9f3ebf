"""PyTorch reference for the ceiling that bench/default-run.ts prints: the two kinds of work that
make up nearly all of default_run.py's time, timed alone for one seed's model.

- a training step of default_run.py: the MLP 784-120-84-10 with Adam (lr 1e-3) on a batch of 64;
- evaluate() of default_run.py on one task's test set (1,784 images: Split-MNIST's tasks hold 892
  test images per class at the smallest class, 5).

Prints one JSON line: seconds per step and per evaluation, the best of several timed windows.
Arguments: the intra-op threads (default 1).
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
BATCH, TEST = 64, 1784


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(784, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(), torch.nn.Linear(84, 10))


def best_seconds(work, seconds=1.0, repeats=3):
    """Seconds per call: the best of `repeats` windows of about `seconds`, after a warm-up."""
    for _ in range(5):
        work()
    best = float("inf")
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            work()
            calls += 1
        best = min(best, (time.perf_counter() - start) / calls)
    return best


torch.manual_seed(0)
model = mlp()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.rand(BATCH, 784), torch.randint(0, 10, (BATCH,))


def train():
    # default_run.py's train(), its loss read back as there
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


test_x, test_y = torch.rand(TEST, 784), torch.randint(0, 10, (TEST,))


@torch.no_grad()
def evaluate():
    # default_run.py's evaluate()
    logits = model(test_x)
    log_p = F.log_softmax(logits, 1)
    correct = (logits.argmax(1) == test_y).float()
    one_hot = F.one_hot(test_y, 10).float()
    return (-log_p.gather(1, test_y[:, None]).mean(), correct.mean(), (one_hot * correct[:, None]).sum(0) / one_hot.sum(0), log_p.exp().mean(0))


print(json.dumps({"step": best_seconds(train), "evaluation": best_seconds(evaluate)}))
