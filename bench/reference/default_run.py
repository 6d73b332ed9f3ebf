"""PyTorch reference for bench/default-run.ts: the default plab experiment's protocol, one member.

Split-MNIST [1,2],[3,4],[5,6],[7,8],[9,0], class-incremental, every sample of a task's classes (the full splits,
as plab's default and the published protocol use); MLP 784-120-84-10; Adam 1e-3; batch 64; 5 epochs per task.
Every task is evaluated once before training. Every 50 steps, and after a task's last step when it falls
between, every task is evaluated (loss, accuracy, per-class accuracy, mean probabilities), representations of
100 test samples per task and the weights are snapshotted; an expert is trained on each task on the same
batches and evaluated on it. After each task, every task is evaluated (the accuracy matrix), the expert on its
task, and the task's logs are saved with np.savez, as a results directory would hold them. Then the joint
baseline. Prints the final accuracies, the seconds spent in training steps and in
evaluation (the test sets and the representations), and the samples each member saw; bench/default-run.ts times the whole
process, `import torch` included. Arguments: the MNIST folder, the intra-op threads (default 1), and the members (default 1).

One member is the plain script a researcher writes (nn.Sequential, one seed). R > 1 members run the same protocol as
one population, PyTorch's own way of doing what plab does: parameters with a leading member dimension, one batched
product (baddbmm) per layer, one Adam over the stacked parameters, each member shuffling its own batches. That
measures what the population formulation gains with PyTorch's kernels and nothing of plab's.
"""
import json
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

root = sys.argv[1]
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
MEMBERS = int(sys.argv[3]) if len(sys.argv) > 3 else 1
TASKS = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]]
EPOCHS, BATCH, LOG_EVERY, SNAPSHOT = 5, 64, 50, 100


def idx(name):
    raw = np.fromfile(f"{root}/{name}", dtype=np.uint8)
    dims = int(raw[3])
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i].tobytes(), "big") for i in range(dims)]
    return raw[4 + 4 * dims :].reshape(shape)


def load(split):
    images = torch.from_numpy(idx(f"{split}-images-idx3-ubyte").astype(np.float32) / 255.0)
    images = ((images - 0.1307) / 0.3081).reshape(-1, 784)
    return images, torch.from_numpy(idx(f"{split}-labels-idx1-ubyte").astype(np.int64))


train_x, train_y = load("train")
test_x, test_y = load("t10k")


def task_data(x, y, classes):
    rows = torch.cat([torch.nonzero(y == c).flatten() for c in classes])
    return x[rows], y[rows]


def per_member(x):
    """One copy of a test set for every member, [R, N, ...], as each member of a plab population draws its own."""
    return x.expand(MEMBERS, *x.shape).contiguous()


def orders(samples):
    """Each member's shuffle of an epoch, [R, samples]."""
    return torch.stack([torch.randperm(samples) for _ in range(MEMBERS)])


tasks_train = [task_data(train_x, train_y, t) for t in TASKS]
tasks_test = [tuple(per_member(part) for part in task_data(test_x, test_y, t)) for t in TASKS]


spent = {"training": 0.0, "evaluation": 0.0}
# The work done, for the FLOP bound bench/default-run.ts prints: samples trained on (all steps of the
# learner, the experts and the joint baseline), test images evaluated, and images whose
# representations were computed (two hidden layers, no head).
work = {"trained": 0, "evaluated": 0, "represented": 0}


def timed(part):
    """Adds the wrapped function's wall time to spent[part]."""

    def wrap(function):
        def call(*args):
            start = time.perf_counter()
            try:
                return function(*args)
            finally:
                spent[part] += time.perf_counter() - start

        return call

    return wrap


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(784, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(), torch.nn.Linear(84, 10))


class Plain(torch.nn.Module):
    """One nn.Sequential, behind the population's interface: inputs [1, N, 784], logits [1, N, 10]."""

    def __init__(self):
        super().__init__()
        self.net = mlp()

    def forward(self, x):
        return self.net(x[0])[None]

    def hidden(self, x):
        return self.net[:4](x[0])[None]

    def loss(self, x, y):
        loss = F.cross_entropy(self(x)[0], y[0])
        return loss, loss


class Population(torch.nn.Module):
    """MEMBERS MLPs as one: each layer's weights [R, out, in] and biases [R, out], stacked from nn.Linear's own
    initialisation; inputs [R, N, 784], logits [R, N, 10]."""

    def __init__(self):
        super().__init__()
        members = [mlp() for _ in range(MEMBERS)]
        self.weights = torch.nn.ParameterList([torch.stack([m[i].weight.detach() for m in members]) for i in (0, 2, 4)])
        self.biases = torch.nn.ParameterList([torch.stack([m[i].bias.detach() for m in members]) for i in (0, 2, 4)])

    def hidden(self, x, layers=2):
        for index in range(layers):
            x = torch.baddbmm(self.biases[index].unsqueeze(1), x, self.weights[index].transpose(1, 2))
            if index < 2:
                x = x.relu()
        return x

    def forward(self, x):
        return self.hidden(x, 3)

    def loss(self, x, y):
        """The sum of the members' mean losses, whose gradient is each member's own, and the losses [R]."""
        losses = F.cross_entropy(self(x).flatten(0, 1), y.flatten(), reduction="none").view(y.shape).mean(1)
        return losses.sum(), losses


def model():
    return Plain() if MEMBERS == 1 else Population()


@timed("evaluation")
@torch.no_grad()
def evaluate(model, x, y):
    """Each member's loss, accuracy, per-class accuracy and mean probabilities on x [R, N, 784], y [R, N]."""
    work["evaluated"] += y.shape[1]
    logits = model(x)
    log_p = F.log_softmax(logits, 2)
    correct = (logits.argmax(2) == y).float()
    one_hot = F.one_hot(y, 10).float()
    return (-log_p.gather(2, y[..., None]).mean((1, 2)), correct.mean(1), (one_hot * correct[..., None]).sum(1) / one_hot.sum(1), log_p.exp().mean(1))


@timed("evaluation")
@torch.no_grad()
def representations_of(model):
    """The last hidden layer on the first SNAPSHOT test samples of every task."""
    work["represented"] += SNAPSHOT * len(tasks_test)
    return [model.hidden(tx[:, :SNAPSHOT]) for tx, _ in tasks_test]


@timed("training")
def train(model, optimizer, x, y):
    """One step of every member on its batch x [R, B, 784], y [R, B]; the members' losses."""
    work["trained"] += y.shape[1]
    total, losses = model.loss(x, y)
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    return losses.tolist()


def save_task(directory, t, log):
    """What a results directory holds per task: the logged evaluations, representations and weights."""
    learner_log, expert_log, representations, weights = zip(*log)
    arrays = {f"learner/{name}": np.stack([[row[i].numpy() for row in point] for point in learner_log]) for i, name in enumerate(METRICS)}
    arrays.update({f"expert/{name}": np.stack([point[i].numpy() for point in expert_log]) for i, name in enumerate(METRICS)})
    arrays["representations"] = np.stack([[r.numpy() for r in point] for point in representations])
    arrays.update({f"weights/{k}": np.stack([w[k].numpy() for w in weights]) for k in weights[0]})
    np.savez(f"{directory}/task_{t}.npz", **arrays)


METRICS = ["loss", "accuracy", "per_class_accuracy", "mean_probability"]
results = tempfile.mkdtemp()
torch.manual_seed(0)
learner = model()
optimizer = torch.optim.Adam(learner.parameters(), lr=1e-3)
accuracy_matrix = []
for tx, ty in tasks_test:  # every task before training, as plab's accuracy at initialisation
    evaluate(learner, tx, ty)
for t, (x, y) in enumerate(tasks_train):
    log = []
    expert = model()
    expert_optimizer = torch.optim.Adam(expert.parameters(), lr=1e-3)

    def log_point():
        representations = representations_of(learner)
        log.append(
            (
                [evaluate(learner, tx, ty) for tx, ty in tasks_test],
                evaluate(expert, *tasks_test[t]),
                representations,
                {k: v.clone() for k, v in learner.state_dict().items()},
            )
        )

    step = 0
    for epoch in range(EPOCHS):
        order = orders(len(y))
        for start in range(0, len(y), BATCH):
            rows = order[:, start : start + BATCH]
            train(learner, optimizer, x[rows], y[rows])
            train(expert, expert_optimizer, x[rows], y[rows])
            step += 1
            if step % LOG_EVERY == 0:
                log_point()
    if step % LOG_EVERY != 0:
        log_point()
    accuracy_matrix.append([float(evaluate(learner, tx, ty)[1].mean()) for tx, ty in tasks_test])
    evaluate(expert, *tasks_test[t])  # the expert's task-end accuracy
    save_task(results, t, log)
learner_accuracy = accuracy_matrix[-1]
shutil.rmtree(results)

joint = model()
joint_optimizer = torch.optim.Adam(joint.parameters(), lr=1e-3)
all_x = torch.cat([x for x, _ in tasks_train])  # [N, 784]: each member gathers its own batches from it
all_y = torch.cat([y for _, y in tasks_train])
for epoch in range(EPOCHS):
    order = orders(len(all_y))
    for start in range(0, len(all_y), BATCH):
        rows = order[:, start : start + BATCH]
        train(joint, joint_optimizer, all_x[rows], all_y[rows])
joint_accuracy = [float(evaluate(joint, tx, ty)[1].mean()) for tx, ty in tasks_test]
print(json.dumps({"learner_accuracy": learner_accuracy, "joint_accuracy": joint_accuracy, "seconds": spent, "work": work}))
