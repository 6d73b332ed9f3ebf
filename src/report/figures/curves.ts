// Curves over the whole run: forgetting curves (accuracy on every task seen so far, at every log
// point), the learner against the expert (a fresh network trained on the current task only), and
// the learner's training loss.
import { acrossMembers } from '../arrays.js';
import { curveChart, curvePoint, taskBoundaries, type CurvePoint, type Figure, type FigureContext } from '../figure.js';

export function forgettingFigures(context: FigureContext): Figure[] {
  const { run, timeline } = context;
  const points: CurvePoint[] = [];
  for (const [task, span] of timeline.spans) {
    context.attempt('forgetting_curves', () => {
      const accuracy = run.array(run.taskFile(task, 'metrics.npz'), 'accuracy', [3], '(L, R, T_eval)');
      const seen = Math.min(task + 1, accuracy.shape[2]);
      span.steps.forEach((x, l) => {
        for (let j = 0; j < seen; j++) {
          const point = curvePoint(x, context.taskLabel(j), acrossMembers(accuracy, l, j), [0, 1]);
          if (point) points.push(point);
        }
      });
    });
  }
  if (points.length === 0) return [];
  return [
    {
      id: 'forgetting_curves',
      section: 'Forgetting',
      title: 'Forgetting curves',
      caption: 'Test accuracy on each task seen so far at every log point (line: mean over members; band: ± sd). Dashed lines mark task boundaries. From task_*/metrics.npz:accuracy.',
      spec: curveChart({
        points,
        title: 'Accuracy on each task during training',
        xTitle: timeline.axisTitle,
        yTitle: 'test accuracy',
        seriesTitle: 'evaluated on',
        boundaries: taskBoundaries(context),
        yDomain: [0, 1],
      }),
    },
  ];
}

export function expertFigures(context: FigureContext): Figure[] {
  const { run, timeline } = context;
  const points: CurvePoint[] = [];
  for (const [task, span] of timeline.spans) {
    const segment = String(task);
    context.attempt('expert_vs_learner', () => {
      const accuracy = run.array(run.taskFile(task, 'metrics.npz'), 'accuracy', [3], '(L, R, T_eval)');
      if (task < accuracy.shape[2]) {
        span.steps.forEach((x, l) => {
          const point = curvePoint(x, 'learner', acrossMembers(accuracy, l, task), [0, 1], segment);
          if (point) points.push(point);
        });
      }
    });
    context.attempt('expert_vs_learner', () => {
      const expert = run.array(run.taskFile(task, 'expert_metrics.npz'), 'test_acc', [2], '(L, R)');
      const count = expert.shape[0];
      // The expert is logged on the learner's schedule; if its count differs, spread it over the task.
      const xs =
        count === span.steps.length
          ? span.steps
          : Array.from({ length: count }, (_, l) => span.steps[0] + ((span.steps[span.steps.length - 1] - span.steps[0]) * l) / Math.max(1, count - 1));
      xs.forEach((x, l) => {
        const point = curvePoint(x, 'expert', acrossMembers(expert, l), [0, 1], segment);
        if (point) points.push(point);
      });
    });
  }
  if (!points.some((p) => p.series === 'expert')) return [];
  return [
    {
      id: 'expert_vs_learner',
      section: 'Forgetting',
      title: 'Expert vs learner',
      caption:
        'Test accuracy on the current task: the continual learner against the expert, a network initialised afresh at each task and trained on the same batches (mean ± sd over members). From task_*/metrics.npz:accuracy and task_*/expert_metrics.npz:test_acc.',
      spec: curveChart({
        points,
        title: 'Accuracy on the current task: learner vs expert',
        xTitle: timeline.axisTitle,
        yTitle: 'test accuracy on the current task',
        seriesTitle: 'network',
        boundaries: taskBoundaries(context),
        yDomain: [0, 1],
        seriesOrder: ['learner', 'expert'],
      }),
    },
  ];
}

/**
 * The learner's training loss at every log point, averaged over the steps since the one before
 * (metrics.npz:train_loss). On a regression stream each point is the squared error of a bin of
 * examples, each measured before the step that learns from it: Dohare et al.'s binned error.
 */
export function trainingLossFigures(context: FigureContext): Figure[] {
  const { run, timeline } = context;
  const points: CurvePoint[] = [];
  for (const [task, span] of timeline.spans) {
    context.attempt('training_loss', () => {
      const loss = run.array(run.taskFile(task, 'metrics.npz'), 'train_loss', [2], '(L, R)');
      if (loss.shape[0] !== span.steps.length) return;
      span.steps.forEach((x, l) => {
        const point = curvePoint(x, 'learner', acrossMembers(loss, l));
        if (point) points.push(point);
      });
    });
  }
  if (points.length === 0) return [];
  return [
    {
      id: 'training_loss',
      section: 'Training',
      title: 'Training loss',
      caption:
        "The learner's training loss, averaged over the steps since the previous log point (line: mean over members; band: ± sd); on a regression stream, the squared error of each bin of examples before the step that learns from each. Dashed lines mark task boundaries. From task_*/metrics.npz:train_loss.",
      spec: curveChart({
        points,
        title: 'Training loss',
        xTitle: timeline.axisTitle,
        yTitle: 'training loss',
        seriesTitle: 'network',
        boundaries: taskBoundaries(context),
      }),
    },
  ];
}
