/**
 * prune (dead-code elimination): keeps only the ops the fetches and targets need, following
 * data and control inputs. An update (Assign*) survives only when a fetch or target depends on
 * it, as in TF1: fetching the loss alone does not train.
 */
import { liveOps, rewrite, type PassResult, type Program } from './program.js';

export function prune(program: Program): PassResult {
  const live = liveOps(program).length;
  const removed = program.graph.ops.length - live;
  if (removed === 0) return { program, changes: 0 };
  return { program: rewrite(program, () => undefined), changes: removed };
}
