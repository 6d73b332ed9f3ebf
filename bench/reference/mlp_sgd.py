"""PyTorch reference for bench/mlp-training.ts: SGD on the 784-120-84-10 MLP at batch 64.

Prints one JSON line: samples/s for a plain model (R=1), and for each R > 1 both a Python loop over
R models and one population through torch.baddbmm, and the population's matrix-product bounds: the
rate of a step that did nothing but its eight batched matrix products (three forward, three weight
gradients, two input gradients), and of one that also updates the parameters from their gradients.
No implementation of the step can beat the first on this machine, nor one that keeps gradients the second.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

from sgd_loop import loop_step

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
members_list = [int(r) for r in (sys.argv[2] if len(sys.argv) > 2 else "1,16,64").split(",")]
# 'cpu' or 'cuda': GPU kernels run asynchronously, so each timed window ends with a synchronize.
device = torch.device(sys.argv[3] if len(sys.argv) > 3 else "cpu")
BATCH = 64


def synchronize():
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def mlp():
    return torch.nn.Sequential(
        torch.nn.Linear(784, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(), torch.nn.Linear(84, 10)
    )


def best_rate(step, samples_per_step, seconds=1.5, repeats=3):
    for _ in range(5):
        step()
    synchronize()
    best = 0.0
    for _ in range(repeats):
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            step()
            steps += 1
        synchronize()
        best = max(best, steps * samples_per_step / (time.perf_counter() - start))
    return best


def plain(members):
    torch.manual_seed(0)
    models = [mlp().to(device) for _ in range(members)]
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.01) for m in models]
    x = torch.rand(BATCH, 784).to(device)
    y = torch.randint(0, 10, (BATCH,)).to(device)

    return best_rate(loop_step(models, optimizers, x, y), BATCH * members)


def population(members):
    torch.manual_seed(0)
    sizes = [(784, 120), (120, 84), (84, 10)]
    weights = [(torch.randn(members, o, i) * 0.05).to(device).requires_grad_() for i, o in sizes]
    biases = [torch.zeros(members, o, device=device, requires_grad=True) for _, o in sizes]
    optimizer = torch.optim.SGD(weights + biases, lr=0.01)
    x = torch.rand(BATCH, members, 784).to(device)
    y = torch.randint(0, 10, (members, BATCH)).to(device)

    def step():
        h = x.transpose(0, 1)
        for index, (w, b) in enumerate(zip(weights, biases)):
            h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
            if index < 2:
                h = h.relu()
        loss = F.cross_entropy(h.reshape(-1, 10), y.reshape(-1), reduction="none").view(members, BATCH).mean(1).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return best_rate(step, BATCH * members)


def matmul_bound(members, update):
    """The eight products alone; with `update`, also SGD's update of every parameter from a stored
    gradient (p -= lr * g: it reads two parameter-sized arrays and writes one, which at R = 64 is 27 MB
    that no cache holds). An implementation that keeps gradients, as plab must for methods that
    transform them, cannot be faster than the second."""
    sizes = [(784, 120), (120, 84), (84, 10)]
    weights = [torch.randn(members, o, i, device=device) for i, o in sizes]
    biases = [torch.randn(members, o, device=device) for _, o in sizes]
    gradients = [torch.randn_like(p) for p in weights + biases]
    inputs_t = [torch.randn(members, i, BATCH, device=device) for i, _ in sizes]
    output_grads = [torch.randn(members, o, BATCH, device=device) for _, o in sizes]

    def step():
        for index, (w, x_t, delta) in enumerate(zip(weights, inputs_t, output_grads)):
            torch.bmm(w, x_t)
            torch.bmm(delta, x_t.transpose(1, 2))
            if index > 0:
                torch.bmm(w.transpose(1, 2), delta)
        if update:
            for p, g in zip(weights + biases, gradients):
                p.add_(g, alpha=-1e-9)

    return best_rate(step, BATCH * members)


result = {}
for members in members_list:
    result[str(members)] = {"loop": plain(members)}
    if members > 1:
        result[str(members)]["bmm"] = population(members)
        result[str(members)]["matmul_bound"] = matmul_bound(members, update=False)
        result[str(members)]["matmul_update_bound"] = matmul_bound(members, update=True)
print(json.dumps(result))
