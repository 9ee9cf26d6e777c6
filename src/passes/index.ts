// The graph optimization passes (the compiler's middle end): each pass one file, one pure function.
export { makeProgram, liveOps, rewrite, type Program, type PassResult, type RewriteContext } from './program.js';
export { prune } from './prune.js';
export { specialize, type FeedShapes } from './specialize.js';
export { constantFold, MAX_FOLDED_ELEMENTS } from './constant_fold.js';
export { cse } from './cse.js';
export { simplify } from './simplify.js';
export { fuse, type FusedProgram, type Kernel, type KernelKind, type Refusal } from './fuse.js';
export { verifyProgram, VerifyError } from './verify.js';
export { optimize, pipeline, PASS_NAMES, type Pass, type PassName, type OptimizeOptions, type OptimizeResult, type PassStats } from './pass_manager.js';
export { explain, toText } from './explain.js';
export { toDot, dotString, type DotOptions } from './dot.js';
