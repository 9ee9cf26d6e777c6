/**
 * TensorBoard event files: a TFRecord stream of `tensorflow.Event` protobufs. The first event
 * holds `file_version: "brain.Event:2"`; each later one a wall time, a step and a summary of
 * scalar values (`simple_value`, which TensorBoard's scalars dashboard reads).
 *
 * Only the fields kiln writes are declared; numbers and names are those of
 * tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto, so TensorBoard
 * reads the files, and a reader skips fields it does not know.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Protobuf from 'protobufjs';
import { decodeRecords, encodeRecord } from './tfrecord.js';

const EVENT_SCHEMA = {
  nested: {
    tensorflow: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['file_version', 'graph_def', 'summary'] } },
          fields: {
            wall_time: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            file_version: { type: 'string', id: 3 },
            graph_def: { type: 'bytes', id: 4 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simple_value'] } },
              fields: {
                node_name: { type: 'string', id: 7 },
                tag: { type: 'string', id: 1 },
                simple_value: { type: 'float', id: 2 },
              },
            },
          },
        },
      },
    },
  },
};

let eventType: Protobuf.Type | undefined;

/** The Event message type, built on first use (so `import kiln` does not load protobufjs). */
function Event(): Protobuf.Type {
  if (!eventType) {
    const protobuf = createRequire(import.meta.url)('protobufjs') as typeof Protobuf;
    eventType = protobuf.Root.fromJSON(EVENT_SCHEMA).lookupType('tensorflow.Event');
  }
  return eventType;
}

/** An event as read back: `step` as a number (an int64 in the file). */
export interface TensorBoardEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: { tag: string; simple_value?: number; node_name?: string }[] };
}

/** One scalar as read back from an event file. */
export interface ScalarEvent {
  tag: string;
  step: number;
  value: number;
  wallTime: number;
}

/** The version string TensorFlow 2 writes as its first event. */
export const FILE_VERSION = 'brain.Event:2';

let fileCounter = 0;

/**
 * Appends events to one new event file in `logDir` (named `events.out.tfevents.<time>.<host>.<pid>.<n>`,
 * the pattern TensorBoard looks for). Events are buffered and written on `flush()`; each write
 * appends whole records, so a reader never sees a record from two flushes mixed.
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number | undefined;
  private pending: Uint8Array[] = [];

  constructor(readonly logDir: string) {
    mkdirSync(logDir, { recursive: true });
    const secs = Math.floor(Date.now() / 1000);
    const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    this.path = join(logDir, `events.out.tfevents.${String(secs).padStart(10, '0')}.${host}.${process.pid}.${fileCounter++}`);
    // 'wx': never append to someone else's file.
    this.fd = openSync(this.path, 'wx');
    this.add({ wall_time: Date.now() / 1000, step: 0, file_version: FILE_VERSION });
    this.flush();
  }

  /** Queues one scalar summary (`simple_value` is a float32 in the file). */
  addScalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): void {
    this.add({ wall_time: wallTime, step, summary: { value: [{ tag, simple_value: value }] } });
  }

  /** Queues one event. */
  add(event: TensorBoardEvent): void {
    if (this.fd === undefined) throw new Error(`EventFileWriter: '${this.path}' is closed`);
    const type = Event();
    const err = type.verify(event);
    if (err) throw new Error(`EventFileWriter: invalid event: ${err}`);
    this.pending.push(encodeRecord(type.encode(type.fromObject(event)).finish()));
  }

  /** Writes the queued events to the file. */
  flush(): void {
    if (this.fd === undefined || !this.pending.length) return;
    const total = this.pending.reduce((n, r) => n + r.length, 0);
    const buf = new Uint8Array(total);
    let at = 0;
    for (const r of this.pending) {
      buf.set(r, at);
      at += r.length;
    }
    this.pending = [];
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
  }

  /** Flushes and closes the file; later adds throw. */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads an event file back, checking every record's framing and CRCs.
 * @throws Error for a truncated record or a CRC mismatch
 */
export function readEventFile(path: string): TensorBoardEvent[] {
  const type = Event();
  return decodeRecords(new Uint8Array(readFileSync(path))).map((data) => {
    const e = type.toObject(type.decode(data), { longs: Number }) as Partial<TensorBoardEvent>;
    // Fields left at their defaults may be absent from the file.
    return { ...e, wall_time: e.wall_time ?? 0, step: e.step ?? 0 } as TensorBoardEvent;
  });
}

/** The scalar summaries of an event file, in file order. */
export function readScalars(path: string): ScalarEvent[] {
  const out: ScalarEvent[] = [];
  for (const e of readEventFile(path)) {
    for (const v of e.summary?.value ?? []) {
      if (v.simple_value !== undefined) out.push({ tag: v.tag, step: e.step, value: v.simple_value, wallTime: e.wall_time });
    }
  }
  return out;
}
