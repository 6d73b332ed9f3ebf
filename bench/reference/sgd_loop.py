"""The step the benchmarks time for PyTorch's side of a population: a Python loop over R separate
models, each with its own SGD optimizer, on the same batch (what researchers run without plab)."""
import torch.nn.functional as F


def loop_step(models, optimizers, x, y):
    def step():
        for model, optimizer in zip(models, optimizers):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return step
