/**
 * Seeing what kiln did and how training went: graph pictures (DOT, SVG) with fused kernels as
 * clusters, training plots (SVG, HTML), TensorBoard event files, and the compiler's dump switch.
 * @example await kiln.viz.writeGraph('mlp.svg', [loss, train], { optimize: true, batchSize: 32 });
 */
export { graphDot, graphSvg, writeGraph, explain, toProgram, type GraphTarget, type GraphVizOptions } from './graph.js';
export { renderDot } from './graphviz.js';
export {
  historySpec,
  historySvg,
  historyHtml,
  historyMetrics,
  writeHistoryPlot,
  renderSvg,
  type HistoryLike,
  type HistoryRecord,
  type PlotOptions,
  type HtmlPlotOptions,
} from './plot.js';
export { EventFileWriter, readEventFile, readScalars, FILE_VERSION, type TensorBoardEvent, type ScalarEvent } from './events.js';
export { encodeRecord, decodeRecords, crc32c, maskedCrc32c } from './tfrecord.js';
export { openDump, dumpDir, ExecutableDump, DUMP_ENV } from './dump.js';
export { writeFileAtomic } from './atomic.js';
