"""Reference values for src/metrics, computed with PyTorch and NumPy.

Run with Debian's python3-torch:  /usr/bin/python3 tools/metric_fixtures.py
Writes test/fixtures/metrics/reference.json. The activations are not stored: they are rebuilt from
torch.Generator streams with element-wise operations only (no matmul, whose rounding could differ
between builds), and test/metrics/reference.test.ts rebuilds them identically with plab's Generator
and checks a checksum before comparing the metrics.
"""
import json
import os

import reference_environment  # noqa: F401  (before torch: pins OpenBLAS threads and oneDNN's ISA)
import numpy as np
import torch

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'metrics', 'reference.json')


# ---------------------------------------------------------------- activations (mirrored in the test)

def layer_activations(seed, members, samples, units):
    """Low-rank structure plus noise through a ReLU, with planted dead and duplicated units."""
    g = torch.Generator().manual_seed(seed)
    u = torch.randn((members, samples, 3), generator=g)
    v = torch.randn((members, 3, units), generator=g)
    noise = torch.randn((members, samples, units), generator=g)
    shift = torch.randn((members, 1, units), generator=g)
    a = u[:, :, 0:1] * v[:, 0:1, :] + u[:, :, 1:2] * v[:, 1:2, :] + u[:, :, 2:3] * v[:, 2:3, :] + noise * 0.3
    a = torch.relu(a + shift)
    # member 1: units 0-2 dead (always zero); member 0: unit 5 is twice unit 4, unit 7 a copy of unit 6
    unit = torch.arange(units).view(1, 1, units)
    member = torch.arange(members).view(members, 1, 1)
    dead = (member == 1) & (unit < 3)
    a = torch.where(dead, torch.zeros(()), a)
    a = torch.where((member == 0) & (unit == 5), a[:, :, 4:5] * 2, a)
    a = torch.where((member == 0) & (unit == 7), a[:, :, 6:7], a)
    return a


def gradients_for(seed, activations):
    """Gradients with a few units whose gradient is (near) zero, for saturated_frac."""
    g = torch.Generator().manual_seed(seed)
    grad = torch.randn(activations.shape, generator=g) * 0.01
    units = activations.shape[2]
    unit = torch.arange(units).view(1, 1, units)
    return torch.where(unit >= units - 4, grad * 1e-9, grad)


def probe_features(seed, members, train_samples, test_samples, units, classes):
    """Class means shared by a training and a test split, with noise that makes the classes overlap."""
    g = torch.Generator().manual_seed(seed)
    means = torch.randn((members, classes, units), generator=g)
    splits = []
    for samples in (train_samples, test_samples):
        noise = torch.randn((members, samples, units), generator=g)
        labels = torch.arange(samples) % classes
        splits.append((torch.relu(means.index_select(1, labels) + noise * 2.5), labels))
    return splits


# ---------------------------------------------------------------- metrics, written independently with NumPy

def spectrum_metrics(a):
    out = {'eff_rank': [], 'stable_rank': [], 'lop_stable_rank': []}
    for member in a.double():
        s = torch.linalg.svdvals(member).numpy()
        p = s / s.sum()
        p = p[p > 0]
        out['eff_rank'].append(float(np.exp(-(p * np.log(p)).sum())))
        out['stable_rank'].append(float((s ** 2).sum() / s.max() ** 2))
        k, total = 0, 0.0
        while total < 0.99:  # the smallest k reaching 99% of the singular-value sum
            total += s[k] / s.sum()
            k += 1
        out['lop_stable_rank'].append(k)
    return out


def unit_metrics(a, grad):
    out = {'dup_fraction': [], 'dead_fraction': [], 'dormant_ratio': [], 'saturated_frac': [],
           'feature_norm': [], 'population_sparsity': []}
    for member, member_grad in zip(a.double().numpy(), grad.double().numpy()):
        units = member.shape[1]
        with np.errstate(invalid='ignore', divide='ignore'):
            corr = np.corrcoef(member.T)
        corr = np.nan_to_num(corr, nan=0.0)
        np.fill_diagonal(corr, 0.0)
        out['dup_fraction'].append(float((corr > 0.95).any(axis=1).mean()))
        out['dead_fraction'].append(float(((np.abs(member) < 1e-7).mean(axis=0) > 0.95).mean()))
        score = np.abs(member).mean(axis=0)
        out['dormant_ratio'].append(float((score / (score.mean() + 1e-9) <= 0.025).mean()))
        typical = np.maximum(np.abs(member).mean(axis=0, keepdims=True), 1e-12)
        out['saturated_frac'].append(float(((np.abs(member_grad) / typical < 1e-4).mean(axis=0) > 0.99).mean()))
        out['feature_norm'].append(float(np.linalg.norm(member, axis=1).mean()))
        out['population_sparsity'].append(float((member == 0).mean()))
        assert units == member.shape[1]
    return out


def fit_probe(x_train, y_train, x_test, y_test, classes, max_iter=100, history_size=10, tolerance_grad=1e-4):
    """Per member: standardise, then torch.optim.LBFGS on mean cross-entropy + ||W||^2 / (2 n)
    (scikit-learn's objective with C = 1), with the settings of plab's fitProbe defaults."""
    results = {'accuracy': [], 'per_class_accuracy': [], 'coefficient_norm': [], 'iterations': []}
    for member in range(x_train.shape[0]):
        keep_train = np.isin(y_train.numpy(), classes)
        keep_test = np.isin(y_test.numpy(), classes)
        xtr = x_train[member].double().numpy()[keep_train]
        xte = x_test[member].double().numpy()[keep_test]
        position = {c: i for i, c in enumerate(classes)}
        ytr = torch.tensor([position[int(c)] for c in y_train.numpy()[keep_train]])
        yte = np.array([position[int(c)] for c in y_test.numpy()[keep_test]])
        mean = xtr.mean(axis=0)
        std = xtr.std(axis=0)
        std[std == 0] = 1.0
        ztr = torch.tensor((xtr - mean) / std)
        zte = torch.tensor((xte - mean) / std)
        linear = torch.nn.Linear(ztr.shape[1], len(classes), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.zero_()
            linear.bias.zero_()
        penalty = 1.0 / len(ytr)
        optimizer = torch.optim.LBFGS(linear.parameters(), lr=1, max_iter=max_iter, history_size=history_size,
                                      tolerance_grad=tolerance_grad, line_search_fn='strong_wolfe')

        def closure():
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(linear(ztr), ytr) + 0.5 * penalty * (linear.weight ** 2).sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        with torch.no_grad():
            predicted = linear(zte).argmax(dim=1).numpy()
        results['accuracy'].append(float((predicted == yte).mean()))
        results['per_class_accuracy'].append([float((predicted[yte == k] == k).mean()) for k in range(len(classes))])
        results['coefficient_norm'].append([float(v) for v in linear.weight.detach().norm(dim=1)])
        results['iterations'].append(int(optimizer.state[linear.weight]['n_iter']))
    return results


def rosenbrock_runs():
    """torch.optim.LBFGS on the Rosenbrock function from several starts, with and without line search."""
    starts = [[-1.2, 1.0], [0.5, -0.3], [2.0, 2.0], [-0.7, 0.9]]
    runs = {}
    for name, line_search, lr in [('fixed', None, 0.1), ('strong_wolfe', 'strong_wolfe', 1.0)]:
        runs[name] = {'lr': lr, 'x': [], 'n_iter': [], 'func_evals': []}
        for start in starts:
            x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            optimizer = torch.optim.LBFGS([x], lr=lr, max_iter=60, history_size=5, line_search_fn=line_search)

            def closure():
                optimizer.zero_grad()
                loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
                loss.backward()
                return loss

            optimizer.step(closure)
            runs[name]['x'].append(x.tolist())
            runs[name]['n_iter'].append(optimizer.state[x]['n_iter'])
            runs[name]['func_evals'].append(optimizer.state[x]['func_evals'])
    return {'starts': starts, 'max_iter': 60, 'history_size': 5, **runs}


def continual_metrics(acc, initial, joint):
    """Loops straight from the papers' formulas, one member at a time."""
    out = {k: [] for k in ['average_accuracy', 'bwt', 'fwt', 'forgetting', 'intransigence', 'avalanche_forgetting']}
    for a, b, j in zip(acc, initial, joint):
        tasks = a.shape[0]
        last = tasks - 1
        out['average_accuracy'].append(float(np.mean(a[last])))
        out['bwt'].append(float(np.mean([a[last, i] - a[i, i] for i in range(last)])))
        out['fwt'].append(float(np.mean([a[i - 1, i] - b[i] for i in range(1, tasks)])))
        out['forgetting'].append(float(np.mean([max(a[l, i] for l in range(last)) - a[last, i] for i in range(last)])))
        out['intransigence'].append(float(np.mean([j[k] - a[k, k] for k in range(tasks)])))
        out['avalanche_forgetting'].append(float(np.mean([a[i, i] - a[last, i] for i in range(last)])))
    return out


def main():
    fixture = {'layers': []}
    for seed, (members, samples, units) in [(11, (3, 300, 40)), (12, (2, 64, 120))]:
        a = layer_activations(seed, members, samples, units)
        grad = gradients_for(seed + 100, a)
        entry = {'seed': seed, 'shape': [members, samples, units],
                 'checksum': float(a.double().sum()), 'grad_checksum': float(grad.double().sum())}
        entry.update(spectrum_metrics(a))
        entry.update(unit_metrics(a, grad))
        fixture['layers'].append(entry)

    members, units, classes = 3, 30, 4
    (x_train, y_train), (x_test, y_test) = probe_features(21, members, 400, 200, units, classes)
    fixture['probe'] = {
        'seed': 21, 'shape': [members, units], 'train_samples': 400, 'test_samples': 200,
        'num_classes': classes, 'checksum': float(x_train.double().sum() + x_test.double().sum()),
        'all': {'classes': [0, 1, 2, 3], **fit_probe(x_train, y_train, x_test, y_test, [0, 1, 2, 3])},
        'subset': {'classes': [3, 1], **fit_probe(x_train, y_train, x_test, y_test, [3, 1])},
    }

    fixture['lbfgs'] = rosenbrock_runs()

    rng = np.random.default_rng(5)
    acc = rng.uniform(0, 1, size=(4, 5, 5))
    initial = rng.uniform(0, 0.2, size=(4, 5))
    joint = rng.uniform(0.8, 1, size=(4, 5))
    fixture['continual'] = {'accuracy': acc.tolist(), 'initial': initial.tolist(), 'joint': joint.tolist(),
                            **continual_metrics(acc, initial, joint)}

    with open(OUT, 'w') as f:
        json.dump(fixture, f, indent=1)
    print('wrote', os.path.relpath(OUT))


if __name__ == '__main__':
    main()
