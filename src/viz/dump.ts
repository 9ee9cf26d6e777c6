/**
 * The dump switch: with `KILN_DUMP=<dir>` in the environment (or a `dump` option naming a
 * folder), each executable a session compiles gets a folder of what the compiler did:
 *
 *   <dir>/<label>-<pid>-<n>/
 *     00_input.dot, 00_input.txt          the program as handed to the passes
 *     01_after_specialize.dot/.txt ...    after each pass of the pipeline, in order
 *     NN_fused.dot, explain.txt           the kernels (clusters) and why ops were or were not fused
 *     <name>                              whatever the code generator adds (source, memory plan)
 *
 * A session calls `openDump(label, option)`; when it returns a dump, the session passes
 * `dump.onPass` to `optimize({ dump })`, calls `dump.fused(result.fused)`, and the code
 * generator calls `dump.write('module.cpp', source)` and `dump.write('memory_plan.json', ...)`.
 * When the switch is off, `openDump` returns undefined and nothing is computed.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toDot } from '../passes/dot.js';
import { explain, toText } from '../passes/explain.js';
import type { FusedProgram } from '../passes/fuse.js';
import type { Program } from '../passes/program.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { writeFileAtomic } from './atomic.js';

/** The environment variable that turns dumping on (its value: the folder). */
export const DUMP_ENV = 'KILN_DUMP';

/**
 * The dump folder in force: `option` when a string, none when `false`, else `$KILN_DUMP` (if set
 * and not empty).
 */
export function dumpDir(option?: string | false): string | undefined {
  if (option === false) return undefined;
  if (typeof option === 'string' && option.length) return option;
  const env = process.env[DUMP_ENV];
  return env ? env : undefined;
}

let executables = 0;

/** A file-name-safe form of a user string (labels come from graph and op names). */
function safeName(s: string, max = 64): string {
  const t = s.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[._]+/, '');
  return (t || 'executable').slice(0, max);
}

/** The files of one executable. */
export class ExecutableDump {
  private stage = 0;
  private sawInput = false;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * The callback for `optimize({ dump })`: writes the input once, then the program after each
   * pass (the program before a pass is the one after the previous pass).
   */
  readonly onPass = (pass: string, stage: 'before' | 'after', program: Program): void => {
    if (stage === 'before') {
      if (this.sawInput) return;
      this.sawInput = true;
      this.program('input', program);
      return;
    }
    this.program(`after_${pass}`, program);
  };

  /** Writes `NN_<what>.dot` and `.txt` for a program. */
  program(what: string, program: Program): void {
    const base = `${String(this.stage++).padStart(2, '0')}_${safeName(what)}`;
    this.write(`${base}.dot`, toDot(program, what, { tooltips: true }));
    this.write(`${base}.txt`, toText(program) + '\n');
  }

  /** Writes the fused program: `NN_fused.dot` (kernels as clusters) and `explain.txt`. */
  fused(fused: FusedProgram): void {
    const base = `${String(this.stage++).padStart(2, '0')}_fused`;
    this.write(`${base}.dot`, toDot(fused, 'fused', { tooltips: true, legend: true }));
    this.write('explain.txt', explain(fused) + '\n');
  }

  /**
   * Writes one file of the dump (atomically), e.g. the generated source or the memory plan.
   * @throws InvalidArgumentError for a name that is not a plain file name
   */
  write(name: string, text: string | Uint8Array): string {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new InvalidArgumentError(`dump: '${name}' is not a plain file name`);
    const path = join(this.dir, name);
    writeFileAtomic(path, text);
    return path;
  }
}

/**
 * Opens the dump of one executable, or returns undefined when dumping is off. `label` names the
 * executable (e.g. the first fetch's name and the feed shapes); the folder also carries the
 * process id and a counter, so executables and processes never share one.
 */
export function openDump(label: string, option?: string | false): ExecutableDump | undefined {
  const dir = dumpDir(option);
  if (!dir) return undefined;
  return new ExecutableDump(resolve(dir, `${safeName(label)}-${process.pid}-${executables++}`));
}
