#!/usr/bin/python3
"""PyTorch reference outputs for the CNN, ResNet and ViT population models (test/models).

Run with Debian's python3-torch (the libtorch the addon links):
    /usr/bin/python3 tools/make_model_fixtures.py
Writes test/fixtures/models/reference.json.

Each case builds the plain PyTorch network after torch.manual_seed(seed), with its modules created
in the order plab registers them, so that plab's model with one member initialised from
Generator(seed) holds the same parameters. The input is torch.randn(shape) from
torch.Generator().manual_seed(input_seed), which plab regenerates. Stored: logits in train mode
(BatchNorm on batch statistics), logits in eval mode after that step (running statistics updated),
and the gradient of the train-mode logits' sum of squares with respect to the first weight.
"""
import json
import os

import reference_environment  # noqa: F401  (before torch: pins OpenBLAS threads and oneDNN's ISA)
import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'models')


class CNN(nn.Module):
    def __init__(self, in_shape, classes, channels, kernel, pooling, norm, hidden):
        super().__init__()
        c, h, w = in_shape
        self.convs, self.norms, self.linears = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        self.pooling = pooling
        for out in channels:
            self.convs.append(nn.Conv2d(c, out, kernel, padding=kernel // 2))
            self.norms.append(nn.BatchNorm2d(out) if norm == 'batch' else nn.Identity())
            h = h + 2 * (kernel // 2) - kernel + 1
            w = w + 2 * (kernel // 2) - kernel + 1
            if pooling != 'none':
                h, w = h // 2, w // 2
            c = out
        features = c * h * w
        for units in hidden:
            self.linears.append(nn.Linear(features, units))
            features = units
        self.head = nn.Linear(features, classes)

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x)))
            if self.pooling == 'max':
                x = F.max_pool2d(x, 2, 2)
            elif self.pooling == 'avg':
                x = F.avg_pool2d(x, 2, 2)
        x = x.flatten(1)
        for linear in self.linears:
            x = F.relu(linear(x))
        return self.head(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.shortcut(x) if self.shortcut is not None else x))


class ResNet(nn.Module):
    def __init__(self, in_shape, classes, channels, blocks):
        super().__init__()
        self.conv = nn.Conv2d(in_shape[0], channels[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(channels[0])
        layers, cin = [], channels[0]
        for stage, (width, count) in enumerate(zip(channels, blocks)):
            for index in range(count):
                layers.append(BasicBlock(cin, width, 2 if stage > 0 and index == 0 else 1))
                cin = width
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(F.relu(self.bn(self.conv(x))))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.query, self.key, self.value, self.output = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x):
        b, n, d = x.shape
        split = lambda t: t.view(b, n, self.heads, self.head_dim).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        weights = torch.softmax((q @ k.transpose(-2, -1)) * self.head_dim ** -0.5, dim=-1)
        return self.output((weights @ v).transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, in_shape, classes, patch, dim, depth, heads, mlp_dim):
        super().__init__()
        tokens = (in_shape[1] // patch) * (in_shape[2] // patch) + 1
        self.cls = nn.Parameter(nn.init.normal_(torch.empty(1, 1, dim), std=0.02))
        self.pos = nn.Parameter(nn.init.normal_(torch.empty(1, tokens, dim), std=0.02))
        self.patch = nn.Conv2d(in_shape[0], dim, patch, stride=patch)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x)[:, 0]))


CASES = [
    dict(name='cnn-batchnorm-max', seed=3, input_seed=11, batch=4, input_shape=[3, 12, 12], classes=5,
         config=dict(name='cnn', channels=[4, 6, 8], kernel=3, pooling='max', norm='batch', hidden=[10]),
         build=lambda s, c: CNN(s, c, [4, 6, 8], 3, 'max', 'batch', [10])),
    dict(name='cnn-avg-kernel5', seed=4, input_seed=12, batch=3, input_shape=[1, 10, 10], classes=4,
         config=dict(name='cnn', channels=[3, 5, 4], kernel=5, pooling='avg', norm='none', hidden=[7]),
         build=lambda s, c: CNN(s, c, [3, 5, 4], 5, 'avg', 'none', [7])),
    dict(name='resnet', seed=5, input_seed=13, batch=4, input_shape=[3, 8, 8], classes=6,
         config=dict(name='resnet', channels=[4, 8], blocks=[2, 1]),
         build=lambda s, c: ResNet(s, c, [4, 8], [2, 1])),
    dict(name='vit', seed=6, input_seed=14, batch=3, input_shape=[3, 8, 8], classes=5,
         config=dict(name='vit', patchSize=4, dim=8, depth=2, heads=2, mlpDim=12),
         build=lambda s, c: ViT(s, c, 4, 8, 2, 2, 12)),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    results = []
    for case in CASES:
        torch.manual_seed(case['seed'])
        model = case['build'](case['input_shape'], case['classes'])
        x = torch.randn([case['batch'], *case['input_shape']], generator=torch.Generator().manual_seed(case['input_seed']))
        model.train()
        train_logits = model(x)
        first = next(model.parameters()) if case['config']['name'] != 'vit' else model.patch.weight
        (gradient,) = torch.autograd.grad(train_logits.square().sum(), [first])
        model.eval()
        with torch.no_grad():
            eval_logits = model(x)
        results.append(dict(
            name=case['name'], seed=case['seed'], input_seed=case['input_seed'], batch=case['batch'],
            input_shape=case['input_shape'], classes=case['classes'], config=case['config'],
            train_logits=train_logits.detach().flatten().tolist(), eval_logits=eval_logits.flatten().tolist(),
            first_weight_gradient=gradient.flatten().tolist(),
        ))
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(dict(torch=torch.__version__, cases=results), f)


if __name__ == '__main__':
    main()
