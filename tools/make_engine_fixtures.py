#!/usr/bin/python3
"""PyTorch reference fixtures for the engine's nn and optim tests.

Run with Debian's python3-torch (the same libtorch the addon links):
    /usr/bin/python3 tools/make_engine_fixtures.py
Writes test/fixtures/engine/{mlp,cnn,optimizer_variants,schedules}.json, or into PLAB_FIXTURE_DIR
when set (tools/machine-fixtures.sh builds this machine's own copy there).

Arrays are stored as base64 of their little-endian float32 bytes, so the TypeScript side reads the
exact values. Large tensors (the MLP's weights) are stored as a digest: a strided sample of the
elements, the float64 sum of absolute values and a SHA-256 of the bytes, which keeps the fixtures
small while still comparing every parameter.

Training data is drawn from torch.Generator().manual_seed(DATA_SEED): for each step, inputs with
randn and then targets with randint(0, 10). plab's Generator gives the same numbers, so the tests
regenerate the batches instead of reading them.
"""
import base64
import hashlib
import json
import math
import os

import reference_environment  # noqa: F401  (before torch: pins OpenBLAS threads and oneDNN's ISA)
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get('PLAB_FIXTURE_DIR') or os.path.join(ROOT, 'test', 'fixtures', 'engine')
DATA_SEED = 1234
BATCH = 16
STEPS = 100
SNAPSHOTS = (1, 10, 100)
SAMPLE = 400  # elements kept per digested tensor

# plab also trains on one intra-op thread by default; reductions then sum in the same order.
torch.set_num_threads(1)


def encode(t):
    array = t.detach().to(torch.float32).contiguous().numpy().astype('<f4')
    return base64.b64encode(array.tobytes()).decode('ascii')


def full(t):
    return {'shape': list(t.shape), 'data': encode(t)}


def digest(t):
    t = t.detach().to(torch.float32).contiguous()
    flat = t.reshape(-1)
    stride = max(1, math.ceil(flat.numel() / SAMPLE))
    return {
        'shape': list(t.shape),
        'stride': stride,
        'sample': encode(flat[::stride]),
        'absSum': float(flat.double().abs().sum()),
        'sha256': hashlib.sha256(flat.numpy().astype('<f4').tobytes()).hexdigest(),
    }


def batches(input_shape, steps):
    generator = torch.Generator().manual_seed(DATA_SEED)
    result = []
    for _ in range(steps):
        x = torch.randn((BATCH, *input_shape), generator=generator)
        y = torch.randint(0, 10, (BATCH,), generator=generator)
        result.append((x, y))
    return result


def make_mlp():
    return nn.Sequential(nn.Linear(784, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.fc = nn.Linear(8 * 3 * 3, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        return self.fc(x.flatten(1))


MAIN_OPTIMIZERS = {
    'sgd': (lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9), {'lr': 0.01, 'momentum': 0.9}),
    'adam': (lambda p: torch.optim.Adam(p, lr=1e-3), {'lr': 1e-3}),
    'adamw': (lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=1e-2), {'lr': 1e-3, 'weightDecay': 1e-2}),
    'rmsprop': (lambda p: torch.optim.RMSprop(p, lr=1e-3), {'lr': 1e-3}),
}


def build(make_model):
    torch.manual_seed(0)
    return make_model()


def trajectory(make_model, make_optimizer, data, snapshots, store):
    model = build(make_model)
    optimizer = make_optimizer(model.parameters())
    losses, kept = [], {}
    for step, (x, y) in enumerate(data, start=1):
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step in snapshots:
            kept[str(step)] = [store(p) for p in model.parameters()]
    return losses, kept


def reference(make_model, input_shape, store):
    data = batches(input_shape, STEPS)
    model = build(make_model)
    x, y = data[0]
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    fixture = {
        'dataSeed': DATA_SEED,
        'batch': BATCH,
        'inputShape': list(input_shape),
        'parameterNames': [name for name, _ in model.named_parameters()],
        'initial': [digest(p) for p in model.parameters()],
        'firstBatch': {'inputs': digest(x), 'targets': y.tolist()},
        'logits': full(logits),
        'loss': loss.item(),
        'gradients': [store(p.grad) for p in model.parameters()],
        'trajectories': {},
    }
    for name, (make_optimizer, options) in MAIN_OPTIMIZERS.items():
        losses, kept = trajectory(make_model, make_optimizer, data, SNAPSHOTS, store)
        fixture['trajectories'][name] = {'options': options, 'losses': losses, 'parameters': kept}
    return fixture


VARIANT_STEPS = 20
VARIANTS = {
    'sgd_plain': (lambda p: torch.optim.SGD(p, lr=0.1), {'lr': 0.1}),
    'sgd_nesterov_weight_decay': (
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
        {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 1e-3},
    ),
    'sgd_dampening_maximize': (
        lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.5, dampening=0.3, maximize=True),
        {'lr': 0.01, 'momentum': 0.5, 'dampening': 0.3, 'maximize': True},
    ),
    'adam_amsgrad_weight_decay': (
        lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2, amsgrad=True),
        {'lr': 1e-2, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 1e-2, 'amsgrad': True},
    ),
    'adam_maximize': (
        lambda p: torch.optim.Adam(p, lr=1e-3, maximize=True),
        {'lr': 1e-3, 'maximize': True},
    ),
    'adamw_amsgrad': (
        lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.1, amsgrad=True),
        {'lr': 1e-2, 'weightDecay': 0.1, 'amsgrad': True},
    ),
    'rmsprop_centered_momentum_weight_decay': (
        lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=1e-6, momentum=0.9, centered=True, weight_decay=1e-3),
        {'lr': 1e-3, 'alpha': 0.9, 'eps': 1e-6, 'momentum': 0.9, 'centered': True, 'weightDecay': 1e-3},
    ),
    'rmsprop_momentum': (
        lambda p: torch.optim.RMSprop(p, lr=1e-3, momentum=0.5),
        {'lr': 1e-3, 'momentum': 0.5},
    ),
    # Two parameter groups: the convolutions train at 0.1, the classifier at 0.01.
    'sgd_param_groups': (
        lambda m: torch.optim.SGD(
            [{'params': [*m.conv1.parameters(), *m.conv2.parameters()], 'lr': 0.1}, {'params': m.fc.parameters()}],
            lr=0.01,
            momentum=0.9,
        ),
        {'lr': 0.01, 'momentum': 0.9, 'groups': [{'parameters': [0, 1, 2, 3], 'lr': 0.1}, {'parameters': [4, 5]}]},
    ),
}


def optimizer_variants():
    data = batches((1, 12, 12), VARIANT_STEPS)
    result = {'dataSeed': DATA_SEED, 'batch': BATCH, 'inputShape': [1, 12, 12], 'steps': VARIANT_STEPS, 'variants': {}}
    for name, (make_optimizer, options) in VARIANTS.items():
        model = build(SmallCNN)
        optimizer = make_optimizer(model) if name == 'sgd_param_groups' else make_optimizer(model.parameters())
        losses = []
        for x, y in data:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        state = optimizer.state_dict()['state']
        result['variants'][name] = {
            'options': options,
            'losses': losses,
            'parameters': [full(p) for p in model.parameters()],
            # PyTorch's per-parameter state after the last step, by state key.
            'state': [
                {key: float(value) if key == 'step' else full(value) for key, value in state[index].items() if value is not None}
                for index in range(len(list(model.parameters())))
            ],
        }
    return result


def schedules():
    steps = 30

    def run(make):
        parameter = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([parameter], lr=0.1)
        scheduler = make(optimizer)
        lrs = []
        for _ in range(steps):
            lrs.append(optimizer.param_groups[0]['lr'])
            optimizer.step()
            scheduler.step()
        return lrs

    lr = torch.optim.lr_scheduler
    return {
        'baseLr': 0.1,
        'steps': steps,
        'schedules': {
            'step': run(lambda o: lr.StepLR(o, step_size=7, gamma=0.5)),
            'multi_step': run(lambda o: lr.MultiStepLR(o, milestones=[5, 12], gamma=0.1)),
            'exponential': run(lambda o: lr.ExponentialLR(o, gamma=0.9)),
            'cosine': run(lambda o: lr.CosineAnnealingLR(o, T_max=20, eta_min=0.001)),
            'linear_warmup': run(lambda o: lr.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5)),
            'warmup_then_cosine': run(
                lambda o: lr.SequentialLR(
                    o, [lr.LinearLR(o, start_factor=0.1, total_iters=5), lr.CosineAnnealingLR(o, T_max=25)], milestones=[5]
                )
            ),
            'warmup_and_step': run(
                lambda o: lr.ChainedScheduler([lr.LinearLR(o, start_factor=0.25, total_iters=4), lr.StepLR(o, step_size=10, gamma=0.5)])
            ),
        },
    }


def write(name, value):
    path = os.path.join(OUT, name)
    with open(path, 'w') as handle:
        json.dump(value, handle, separators=(',', ':'))
        handle.write('\n')
    print(f'{path}: {os.path.getsize(path) / 1024:.0f} KiB')


def main():
    os.makedirs(OUT, exist_ok=True)
    write('mlp.json', reference(make_mlp, (784,), digest))
    write('cnn.json', reference(SmallCNN, (1, 12, 12), full))
    write('optimizer_variants.json', optimizer_variants())
    write('schedules.json', schedules())


if __name__ == '__main__':
    main()
