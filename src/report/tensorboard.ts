// TensorBoard event files of scalars, written during a run so that `tensorboard --logdir results/`
// shows its curves live: the offline counterpart of Weights & Biases logging.
//
// A file is a sequence of TFRecords (tensorflow/core/lib/io/record_writer.cc):
//   uint64 length (little-endian) | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)
// and each record's data is an Event protocol buffer (tensorflow/core/util/event.proto). Only the
// fields plab writes are encoded, by hand:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; HistogramProto histo = 5; SummaryMetadata metadata = 9; }
//   HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
//                    repeated double bucket_limit = 6 [packed]; repeated double bucket = 7 [packed]; }
//   SummaryMetadata { PluginData plugin_data = 1 { string plugin_name = 1; bytes content = 2; } }
// The HParams plugin's content (tensorboard/plugins/hparams/plugin_data.proto) is a
// HParamsPluginData { int32 version = 1; SessionStartInfo session_start_info = 3;
// SessionEndInfo session_end_info = 4; }, whose start info maps each hyperparameter to a
// google.protobuf.Value { double number_value = 2; string string_value = 3; bool bool_value = 4; }.
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.js';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

/** Appends protobuf fields to a growing byte list. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  private varint(value: bigint): void {
    // int64 fields are encoded as their two's complement in 64 bits (10 bytes when negative).
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  double(field: number, value: number): this {
    this.key(field, WIRE_FIXED64);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.bytes.push(view.getUint8(i));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(view.getUint8(i));
    return this;
  }

  int64(field: number, value: number | bigint): this {
    this.key(field, WIRE_VARINT);
    this.varint(BigInt(value));
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LENGTH);
    this.varint(BigInt(data.length));
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytesField(field, new TextEncoder().encode(text));
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    const data = new Float64Array(values.length);
    data.set(values);
    return this.bytesField(field, new Uint8Array(data.buffer));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export interface EventFields {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  /** Set on the first event of a file: 'brain.Event:2'. */
  fileVersion?: string;
  /** Scalar summaries: tag -> value. */
  scalars?: [string, number][];
  /** Histogram summaries: tag -> the values' histogram. */
  histograms?: [string, Histogram][];
  /** HParams plugin summaries: tag -> the plugin's content (an encoded HParamsPluginData). */
  plugin?: [string, string, Uint8Array][];
}

/** TensorBoard's histogram: counts in buckets whose right edges are `limits`. */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  limits: number[];
  counts: number[];
}

/** A histogram of the finite values in `bins` equal-width buckets (TensorBoard resamples them). */
export function histogram(values: ArrayLike<number>, bins = 30): Histogram {
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    num += 1;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, limits: [], counts: [] };
  const width = (max - min) / bins;
  if (width === 0) return { min, max, num, sum, sumSquares, limits: [max], counts: [num] };
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.floor((v - min) / width))] += 1;
  }
  const limits = counts.map((_, b) => (b === bins - 1 ? max : min + (b + 1) * width));
  return { min, max, num, sum, sumSquares, limits, counts };
}

/** An Event protocol buffer. */
export function encodeEvent(event: EventFields): Uint8Array {
  const writer = new ProtoWriter().double(1, event.wallTime);
  if (event.step !== 0) writer.int64(2, event.step);
  if (event.fileVersion !== undefined) writer.string(3, event.fileVersion);
  const summary = new ProtoWriter();
  let values = 0;
  for (const [tag, value] of event.scalars ?? []) summary.bytesField(1, new ProtoWriter().string(1, tag).float(2, value).finish()), values++;
  for (const [tag, h] of event.histograms ?? []) {
    const histo = new ProtoWriter().double(1, h.min).double(2, h.max).double(3, h.num).double(4, h.sum).double(5, h.sumSquares);
    histo.packedDoubles(6, h.limits).packedDoubles(7, h.counts);
    summary.bytesField(1, new ProtoWriter().string(1, tag).bytesField(5, histo.finish()).finish()), values++;
  }
  for (const [tag, pluginName, content] of event.plugin ?? []) {
    const metadata = new ProtoWriter().bytesField(1, new ProtoWriter().string(1, pluginName).bytesField(2, content).finish());
    summary.bytesField(1, new ProtoWriter().string(1, tag).bytesField(9, metadata.finish()).finish()), values++;
  }
  if (values > 0) writer.bytesField(5, summary.finish());
  return writer.finish();
}

/** One TFRecord: length, its masked CRC, the data, the data's masked CRC. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

export interface TensorBoardWriterOptions {
  /** Host name in the file name (default: this machine's). */
  host?: string;
  /** Clock in seconds since the epoch (default: Date.now() / 1000), for reproducible tests. */
  now?: () => number;
}

/**
 * Appends scalar events to events.out.tfevents.<time>.<host> in `logdir`. Each event is written
 * as it comes, so TensorBoard sees a running experiment and a crash loses nothing already logged.
 */
export class TensorBoardWriter {
  readonly path: string;
  private fd: number | undefined;
  private readonly now: () => number;

  constructor(logdir: string, options: TensorBoardWriterOptions = {}) {
    this.now = options.now ?? (() => Date.now() / 1000);
    const host = (options.host ?? hostname()).replace(/[^A-Za-z0-9._-]/g, '_');
    try {
      mkdirSync(logdir, { recursive: true });
    } catch (error) {
      throw new Error(`tensorboard: cannot create the log directory ${logdir}: ${(error as Error).message}`);
    }
    const started = this.now();
    const base = join(logdir, `events.out.tfevents.${Math.floor(started)}.${host}`);
    // Two writers started in the same second in one directory get distinct files.
    let path = base;
    for (let n = 1; existsSync(path); n++) path = `${base}.${n}`;
    this.path = path;
    this.fd = openSync(path, 'a');
    this.write({ wallTime: started, step: 0, fileVersion: 'brain.Event:2' });
  }

  private write(event: EventFields): void {
    if (this.fd === undefined) throw new Error(`tensorboard: ${this.path} is closed; create a new TensorBoardWriter to log more`);
    writeSync(this.fd, tfRecord(encodeEvent(event)));
  }

  /** Logs one scalar under `tag` (e.g. 'accuracy/task_1') at training step `step`. */
  scalar(tag: string, value: number, step: number, wallTime = this.now()): void {
    this.scalars({ [tag]: value }, step, wallTime);
  }

  /** Logs several scalars of one step in one event. */
  scalars(values: Record<string, number>, step: number, wallTime = this.now()): void {
    if (!Number.isInteger(step)) throw new Error(`tensorboard: step must be an integer, got ${step}`);
    this.write({ wallTime, step, scalars: Object.entries(values) });
  }

  /** Logs histograms of one step in one event. */
  histograms(values: Record<string, Histogram>, step: number, wallTime = this.now()): void {
    if (!Number.isInteger(step)) throw new Error(`tensorboard: step must be an integer, got ${step}`);
    this.write({ wallTime, step, histograms: Object.entries(values) });
  }

  /**
   * The HParams view's record of this run: its hyperparameters (dotted config keys) and a finished
   * session. TensorBoard infers the experiment from these and takes as metrics the scalar tags
   * logged beside them (the run logs its final metrics under 'final/').
   */
  hparams(values: Record<string, number | string | boolean>, wallTime = this.now()): void {
    const start = new ProtoWriter();
    for (const [key, value] of Object.entries(values)) {
      const v = new ProtoWriter();
      if (typeof value === 'number') v.double(2, value);
      else if (typeof value === 'boolean') v.int64(4, value ? 1 : 0);
      else v.string(3, value);
      start.bytesField(1, new ProtoWriter().string(1, key).bytesField(2, v.finish()).finish());
    }
    start.double(5, wallTime);
    const startInfo = new ProtoWriter().bytesField(3, start.finish()).finish();
    // SessionEndInfo { Status status = 1; double end_time_secs = 2; }, STATUS_SUCCESS = 1.
    const endInfo = new ProtoWriter().bytesField(4, new ProtoWriter().int64(1, 1).double(2, wallTime).finish()).finish();
    this.write({ wallTime, step: 0, plugin: [['_hparams_/session_start_info', 'hparams', startInfo]] });
    this.write({ wallTime, step: 0, plugin: [['_hparams_/session_end_info', 'hparams', endInfo]] });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
