/**
 * `model.summary()` in Keras 2's table format (keras/utils/layer_utils.print_summary for a
 * sequential model: line length 65, columns ending at 29, 55 and 65; each field cut to its
 * column), with trailing spaces trimmed:
 * ```
 * Model: "sequential"
 * _________________________________________________________________
 * Layer (type)                 Output Shape              Param #
 * =================================================================
 * dense (Dense)                (None, 32)                25120
 * _________________________________________________________________
 * dense_1 (Dense)              (None, 10)                330
 * =================================================================
 * Total params: 25,450
 * Trainable params: 25,450
 * Non-trainable params: 0
 * _________________________________________________________________
 * ```
 */
import type { Shape } from '../graph/shape.js';

export interface SummaryRow {
  name: string;
  className: string;
  outputShape: Shape;
  params: number;
}

const LINE_LENGTH = 65;
const POSITIONS = [29, 55, 65]; // Keras: [.45, .85, 1] of the line length

/** `(None, 26, 26, 32)`: a shape as Keras prints it. */
export function kerasShape(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

function row(fields: readonly string[]): string {
  let line = '';
  fields.forEach((f, i) => {
    if (i > 0) line = `${line.slice(0, -1)} `; // a cut field still leaves one space (Keras's print_row)
    line = (line + f).slice(0, POSITIONS[i]);
    line += ' '.repeat(POSITIONS[i]! - line.length);
  });
  return line.trimEnd();
}

const withCommas = (n: number): string => n.toLocaleString('en-US');

/** The summary table's text (one string, lines joined by '\n'). */
export function formatSummary(modelName: string, rows: readonly SummaryRow[], trainable: number, nonTrainable: number): string {
  const lines = [`Model: "${modelName}"`, '_'.repeat(LINE_LENGTH), row(['Layer (type)', 'Output Shape', 'Param #']), '='.repeat(LINE_LENGTH)];
  rows.forEach((r, i) => {
    lines.push(row([`${r.name} (${r.className})`, kerasShape(r.outputShape), String(r.params)]));
    lines.push(i === rows.length - 1 ? '='.repeat(LINE_LENGTH) : '_'.repeat(LINE_LENGTH));
  });
  if (rows.length === 0) lines.push('='.repeat(LINE_LENGTH));
  lines.push(`Total params: ${withCommas(trainable + nonTrainable)}`);
  lines.push(`Trainable params: ${withCommas(trainable)}`);
  lines.push(`Non-trainable params: ${withCommas(nonTrainable)}`);
  lines.push('_'.repeat(LINE_LENGTH));
  return lines.join('\n');
}
