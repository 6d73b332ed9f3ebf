#!/usr/bin/env bash
# The method-effect experiments of issue 6, each beside its plain baseline. Prints the figures the
# issue asks for; results go under ${1:-/tmp/plab-effects}. The second argument picks sections
# (default all: "replay ogd pairs nte"). All together take about an hour on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/plab-effects}"
sections=" ${2:-replay ogd pairs nte} "
want() { [[ "$sections" == *" $1 "* ]]; }
common=(training.expert_baseline=false training.joint_baseline=false --quiet "results_dir=$out")
run() { ./plab run "${common[@]}" "$@"; }
acc() { /usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(f\"{s['metrics']['average_accuracy']['mean']:.3f} ± {s['metrics']['average_accuracy']['std']:.3f}\")" "$1"; }
dead() { /usr/bin/python3 -c "
import numpy as np, sys, glob
last = sorted(glob.glob(sys.argv[1] + '/task_*/metrics.npz'))[-1]
m = np.load(last)
print(' '.join(f\"{k.split('/')[1]} {m[k][-1].mean():.3f}\" for k in sorted(m) if k.startswith('dead_fraction/')))" "$1"; }

# Replay on default Split-MNIST: final accuracy on all seen classes.
if want replay; then
run training.members=3 algorithm=plain
run training.members=3 +method.replay.buffer_size=1000 algorithm=replay
echo "replay: plain ACC $(acc "$out/mnist/plain/summary.json"), replay ACC $(acc "$out/mnist/replay/summary.json")"
fi

# OGD, seed 001's protocol: BatchNorm and SGD, a small learning rate, each task trained until 95%
# training accuracy (the seed's second experiment). At lr 0.01 both end near 0.20: the steps are too
# long for one stored direction per task to protect anything.
if want ogd; then
ogd=(training.members=3 model.norm=batch optimizer=sgd optimizer.lr=0.001 training.stopping=accuracy training.target_accuracy=0.95 'logging.snapshots=[]')
run "${ogd[@]}" algorithm=sgd_bn
run "${ogd[@]}" '+method.ogd={}' algorithm=sgd_bn_ogd
echo "OGD: without ACC $(acc "$out/mnist/sgd_bn/summary.json"), with ACC $(acc "$out/mnist/sgd_bn_ogd/summary.json")"
fi

# Shrink and perturb, continual backprop: dead units after a long class-pair sequence. Shrink and
# perturb in Dohare et al.'s form, after every step (λ = 1 − lr·wd with wd 1e-3, σ = 1e-3): applied
# only at task boundaries as θ ← 0.9θ + 0.01·θ_init it revived too few units to tell from the
# members' spread (60.5 dead units against 63.0 over two members).
if want pairs; then
pairs=(scenario=class_pairs scenario.with_replacement=true scenario.num_tasks=30 training.epochs_per_task=1 training.members=4 optimizer=sgd optimizer.lr=0.1 logging.log_frequency=100 'logging.snapshots=[]')
run "${pairs[@]}" algorithm=pairs_plain
run "${pairs[@]}" +method.shrink_perturb.form=dohare method.shrink_perturb.every=step method.shrink_perturb.shrink=0.9999 method.shrink_perturb.noise=0.001 algorithm=pairs_sp
run "${pairs[@]}" '+method.continual_backprop={}' algorithm=pairs_cbp
for name in pairs_plain pairs_sp pairs_cbp; do echo "$name: dead fraction at the end: $(dead "$out/mnist/$name")"; done
fi

# NTE against SGD on 3-task permuted MNIST with one hidden layer of 10,000 units (the authors' model
# has one hidden layer, of 100,000), one epoch per task at batch 128: the authors' simple-MLP settings
# (β 0.01, η 1, max_delta 0.1) against SGD without momentum at two learning rates whose task-1
# accuracies bracket the NTE's (0.01 and 0.015), and SGD with momentum 0.9 at lr 0.0015. On one core
# the NTE run takes about 17 minutes for two members, each SGD run about 6. PERM_SEED picks the run
# seed (the permutations, shared by its members, and the members' initialisations and data orders),
# PERM_MEMBERS how many members.
if want nte; then
perm=(seed="${PERM_SEED:-0}" scenario=permuted scenario.num_tasks=3 training.epochs_per_task=1 training.batch_size=128
  training.members="${PERM_MEMBERS:-2}" 'model.hidden=[10000]' optimizer=sgd logging.log_frequency=100 'logging.snapshots=[]' 'logging.measures=[]')
run "${perm[@]}" optimizer.lr=0.01 algorithm=perm_sgd_lr0.01
run "${perm[@]}" optimizer.lr=0.015 algorithm=perm_sgd_lr0.015
run "${perm[@]}" optimizer.lr=0.0015 optimizer.momentum=0.9 algorithm=perm_sgd_momentum
run "${perm[@]}" optimizer.lr=1 +method.nte.inv_temperature=0.01 method.nte.max_delta=0.1 algorithm=perm_nte
/usr/bin/python3 - "$out"/mnist/perm_{sgd_lr0.01,sgd_lr0.015,sgd_momentum,nte}/summary.json <<'PY'
import json, sys
import numpy as np
for path in sys.argv[1:]:
    matrices = np.array(json.load(open(path))["accuracy_matrix"])  # [R, after task, on task]
    forgetting = matrices[:, 0, 0] - matrices[:, -1, 0]
    print(f"{path.split('/')[-2]}: task 1 after task 1 {matrices[:, 0, 0].mean():.3f}, after task 3 {matrices[:, -1, 0].mean():.3f};"
          f" forgetting of task 1 per member {np.round(forgetting, 3).tolist()}, mean {forgetting.mean():.3f}")
    for row in matrices.mean(0):
        print("   ", " ".join(f"{v:.3f}" for v in row))
PY
fi
