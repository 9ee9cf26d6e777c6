/**
 * Synchronous Vega rendering through a worker thread.
 *
 * Why a worker: the plot callbacks run inside `fit`, which is synchronous, so rendering must
 * return before the next epoch starts; yet Vega is an ES module graph with top-level await (it
 * can only be loaded with `import()`), and loading it takes ~0.4 s, which `import kiln` should
 * not pay. So the first plot starts a worker that imports Vega and Vega-Lite once; each render
 * posts the spec, blocks on a shared flag (`Atomics.wait`) until the worker has rendered with
 * Vega's own `view.toSVG()`, and takes the reply off its port synchronously
 * (`receiveMessageOnPort`).
 *
 *   main thread                                  worker (Vega loaded once)
 *   post {spec, flag} ───────────────────────►   compile, parse, view.toSVG()
 *   Atomics.wait(flag)                           reply.postMessage({svg}); flag = 1; notify
 *   receiveMessageOnPort(reply) ◄───────────────
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';

/** Longest wait for one render (the first one includes loading Vega in the worker). */
const RENDER_TIMEOUT_MS = 120_000;

// Plain JavaScript run as the worker (eval: the same code under vitest and from dist/).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { reply, vegaUrl, vegaLiteUrl } = workerData;
const libs = Promise.all([import(vegaUrl), import(vegaLiteUrl)]);
parentPort.on('message', async ({ spec, flag }) => {
  let message;
  try {
    const [vega, vegaLite] = await libs;
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    message = { svg: await view.toSVG() };
    view.finalize();
  } catch (e) {
    message = { error: String((e && e.message) || e) };
  }
  reply.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let worker: { thread: Worker; reply: MessagePort } | undefined;

function start(): { thread: Worker; reply: MessagePort } {
  const require = createRequire(import.meta.url);
  const { port1, port2 } = new MessageChannel();
  const thread = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { reply: port2, vegaUrl: pathToFileURL(require.resolve('vega')).href, vegaLiteUrl: pathToFileURL(require.resolve('vega-lite')).href },
    transferList: [port2],
  });
  // The worker must not keep a finished program alive.
  thread.unref();
  thread.on('exit', () => {
    if (worker?.thread === thread) worker = undefined;
  });
  return { thread, reply: port1 };
}

/**
 * Renders a Vega-Lite spec (inline data) to an SVG string, blocking until it is done.
 * @throws Error with Vega's message, or when the render does not finish in time
 */
export function renderVegaLiteSync(spec: TopLevelSpec): string {
  worker ??= start();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  worker.thread.postMessage({ spec, flag });
  if (Atomics.wait(flag, 0, 0, RENDER_TIMEOUT_MS) === 'timed-out') {
    void worker.thread.terminate();
    worker = undefined;
    throw new Error(`plot: rendering did not finish within ${RENDER_TIMEOUT_MS / 1000} s`);
  }
  const got = receiveMessageOnPort(worker.reply) as { message: { svg?: string; error?: string } } | undefined;
  if (!got) throw new Error('plot: the render worker sent no reply');
  if (got.message.error !== undefined || got.message.svg === undefined) throw new Error(`plot: Vega could not render the chart: ${got.message.error}`);
  return got.message.svg;
}
