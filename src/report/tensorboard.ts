// TensorBoard event files of scalars, written during a run so that `tensorboard --logdir results/`
// shows its curves live: the offline counterpart of Weights & Biases logging.
//
// A file is a sequence of TFRecords (tensorflow/core/lib/io/record_writer.cc):
//   uint64 length (little-endian) | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)
// and each record's data is an Event protocol buffer (tensorflow/core/util/event.proto). Only the
// fields needed for scalars are encoded, by hand:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; }
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
}

/** An Event protocol buffer. */
export function encodeEvent(event: EventFields): Uint8Array {
  const writer = new ProtoWriter().double(1, event.wallTime);
  if (event.step !== 0) writer.int64(2, event.step);
  if (event.fileVersion !== undefined) writer.string(3, event.fileVersion);
  if (event.scalars && event.scalars.length > 0) {
    const summary = new ProtoWriter();
    for (const [tag, value] of event.scalars) summary.bytesField(1, new ProtoWriter().string(1, tag).float(2, value).finish());
    writer.bytesField(5, summary.finish());
  }
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

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
