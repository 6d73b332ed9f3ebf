"""PyTorch reference for bench/cnn-training.ts: SGD on the default CNN (conv 32-64-128, 3x3, 2x2 max
pooling, fc 1152-128-10) at batch 64 on 28x28 gray images.

Arguments: threads, members, and what to measure (comma-separated): "loop" (a Python loop over R
models; R = 1 is a plain model), "grouped" (one population through convolutions with groups = R and
batched matrix products) and "peak" (this core's sgemm rate on 512x512 matrices, in FLOP/s, from which
bench/cnn-training.ts derives the FLOP bound). Prints one JSON line of samples/s (or FLOP/s).
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

from sgd_loop import loop_step

torch.set_num_threads(int(sys.argv[1]))
members = int(sys.argv[2])
wanted = sys.argv[3].split(",")
BATCH, CHANNELS, FEATURES, HIDDEN = 64, [1, 32, 64, 128], 128 * 3 * 3, 128


def rate(step, per_step, seconds=1.0):
    step()
    step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 2:
        step()
        steps += 1
    return steps * per_step / (time.perf_counter() - start)


def cnn():
    layers = []
    for c_in, c_out in zip(CHANNELS, CHANNELS[1:]):
        layers += [torch.nn.Conv2d(c_in, c_out, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2)]
    return torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(FEATURES, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10))


def loop():
    torch.manual_seed(0)
    models = [cnn() for _ in range(members)]
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.01) for m in models]
    x, y = torch.rand(BATCH, 1, 28, 28), torch.randint(0, 10, (BATCH,))

    return rate(loop_step(models, optimizers, x, y), BATCH * members)


def grouped():
    torch.manual_seed(0)
    convs = [(torch.randn(members * o, i, 3, 3) * 0.1).requires_grad_() for i, o in zip(CHANNELS, CHANNELS[1:])]
    conv_biases = [torch.zeros(members * o, requires_grad=True) for o in CHANNELS[1:]]
    fcs = [(torch.randn(members, o, i) * 0.05).requires_grad_() for i, o in [(FEATURES, HIDDEN), (HIDDEN, 10)]]
    fc_biases = [torch.zeros(members, o, requires_grad=True) for o in [HIDDEN, 10]]
    optimizer = torch.optim.SGD(convs + conv_biases + fcs + fc_biases, lr=0.01)
    x, y = torch.rand(BATCH, members, 28, 28), torch.randint(0, 10, (members, BATCH))

    def step():
        h = x
        for w, b in zip(convs, conv_biases):
            h = F.max_pool2d(F.conv2d(h, w, b, padding=1, groups=members).relu(), 2, 2)
        h = h.reshape(BATCH, members, FEATURES).transpose(0, 1)
        h = torch.baddbmm(fc_biases[0].unsqueeze(1), h, fcs[0].transpose(1, 2)).relu()
        h = torch.baddbmm(fc_biases[1].unsqueeze(1), h, fcs[1].transpose(1, 2))
        loss = F.cross_entropy(h.reshape(-1, 10), y.reshape(-1), reduction="none").view(members, BATCH).mean(1).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return rate(step, BATCH * members)


def peak():
    a, b = torch.randn(512, 512), torch.randn(512, 512)
    return rate(lambda: torch.mm(a, b), 2 * 512**3, seconds=0.5)


measures = {"loop": loop, "grouped": grouped, "peak": peak}
print(json.dumps({name: measures[name]() for name in wanted}))
