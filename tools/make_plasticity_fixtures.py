"""PyTorch reference values for the plasticity methods and the rotated scenario.

Run with Debian's python3-torch:  /usr/bin/python3 tools/make_plasticity_fixtures.py
Writes test/fixtures/methods/plasticity.json, which test/methods/keep-plasticity.test.ts compares
plab with: the spectral penalty and its gradient, a CReLU MLP's logits and gradients (both for a
population of two members, each computed as its own PyTorch network), and nearest-neighbour
rotations of two MNIST-sized images (torchvision's rotate: affine_grid + grid_sample).
Inputs are stored as float32 values, so nothing depends on matching random streams.
"""
import json
import math
import os

import reference_environment  # noqa: F401  (before torch: pins OpenBLAS threads and oneDNN's ISA)
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'methods', 'plasticity.json')
g = torch.Generator().manual_seed(21)
MEMBERS = 2


def values(t):
    return [float(x) for x in t.detach().flatten().tolist()]


def draw(*shape):
    return torch.randn(shape, generator=g, dtype=torch.float32)


def spectral():
    """Σ_layers (σ_max([W | b])^k − 1)² per member for a 6-5-3 MLP, k = 2 and k = 3, its gradient, and σ_max, in float64."""
    params = {'layer1.linear.weight': draw(MEMBERS, 5, 6), 'layer1.linear.bias': draw(MEMBERS, 5), 'head.weight': draw(MEMBERS, 3, 5) * 0.4, 'head.bias': draw(MEMBERS, 3)}
    cases = {}
    for power in (2, 3):
        leaves = {k: v.double().requires_grad_(True) for k, v in params.items()}
        penalty = torch.zeros(MEMBERS, dtype=torch.float64)
        for layer in ('layer1.linear', 'head'):
            w, b = leaves[f'{layer}.weight'], leaves[f'{layer}.bias']
            sigma = torch.linalg.svdvals(torch.cat([w, b.unsqueeze(2)], 2))[:, 0]
            penalty = penalty + (sigma ** power - 1) ** 2
        penalty.sum().backward()
        cases[str(power)] = {'penalty': values(penalty), 'gradients': {k: values(v.grad) for k, v in leaves.items()}}
    # σ_max of each member's [W | b] by torch.linalg.matrix_norm(ord=2), for plab's power-iteration estimate.
    sigma = {layer: values(torch.linalg.matrix_norm(torch.cat([params[f'{layer}.weight'], params[f'{layer}.bias'].unsqueeze(2)], 2).double(), ord=2)) for layer in ('layer1.linear', 'head')}
    return {'parameters': {k: values(v) for k, v in params.items()}, 'cases': cases, 'sigma': sigma}


def crelu():
    """A 6-4-3-3 MLP with CReLU, member by member: logits and gradients of the summed member losses."""
    shapes = {'layer1.linear.weight': (4, 6), 'layer1.linear.bias': (4,), 'layer2.linear.weight': (3, 8), 'layer2.linear.bias': (3,), 'head.weight': (3, 6), 'head.bias': (3,)}
    params = {k: draw(MEMBERS, *s) * 0.5 for k, s in shapes.items()}
    inputs = draw(5, MEMBERS, 6)
    targets = torch.randint(0, 3, (5, MEMBERS), generator=g)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    logits, total = [], 0
    for r in range(MEMBERS):
        x = inputs[:, r]
        for layer in ('layer1', 'layer2'):
            x = F.linear(x, leaves[f'{layer}.linear.weight'][r], leaves[f'{layer}.linear.bias'][r])
            x = torch.cat([F.relu(x), F.relu(-x)], -1)
        out = F.linear(x, leaves['head.weight'][r], leaves['head.bias'][r])
        logits.append(out)
        total = total + F.cross_entropy(out, targets[:, r])
    total.backward()
    return {
        'parameters': {k: values(v) for k, v in params.items()},
        'inputs': values(inputs),
        'targets': [int(t) for t in targets.flatten().tolist()],
        'logits': values(torch.stack(logits, 0)),
        'gradients': {k: values(v.grad) for k, v in leaves.items()},
    }


def rotations():
    images = torch.randint(0, 256, (2, 1, 28, 28), generator=g).float()
    out = {}
    for degrees in (10, 45, 90, 137.5, -30):
        a = math.radians(degrees)
        theta = torch.tensor([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0]], dtype=torch.float32).expand(2, 2, 3)
        grid = F.affine_grid(theta, (2, 1, 28, 28), align_corners=False)
        out[str(degrees)] = [int(v) for v in F.grid_sample(images, grid, mode='nearest', padding_mode='zeros', align_corners=False).flatten().tolist()]
    return {'images': [int(v) for v in images.flatten().tolist()], 'rotated': out}


if __name__ == '__main__':
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    result = {'torch': torch.__version__, 'spectral': spectral(), 'crelu': crelu(), 'rotations': rotations()}
    with open(OUT + '.tmp', 'w') as f:
        json.dump(result, f)
    os.replace(OUT + '.tmp', OUT)
