// NumPy's .npz format: a zip archive whose members are .npy files, one per array ('x.npy' holds
// array 'x'). Members are stored or deflated (np.savez / np.savez_compressed). numpy writes ZIP64
// extra fields even for small members, so the reader understands them. The writer produces plain
// zip, which numpy, Python's zipfile and unzip all read, and switches a member, or the end of the
// archive, to ZIP64 (APPNOTE.TXT 4.5.3, 4.3.14) only where a size or offset passes 32 bits, so
// archives under 4 GiB keep the same bytes.
import { readFileSync } from 'node:fs';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeNpy, encodeNpy, type NdArray } from './npy.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const STORED = 0;
const DEFLATED = 8;
const UTF8_NAMES = 1 << 11;
// DOS date of 1980-01-01 00:00: fixed, so that the same arrays always give the same bytes.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

export interface NpzOptions {
  /** Deflate each member, like np.savez_compressed; default false, like np.savez. */
  compress?: boolean;
  /**
   * The largest size or offset written in a 32-bit field; past it the field moves to ZIP64. The zip
   * limit 0xfffffffe by default (0xffffffff itself means "see ZIP64"); tests lower it to exercise
   * the ZIP64 layout without writing 4 GiB.
   */
  zip64Above?: number;
}

const ZIP32_LIMIT = 0xfffffffe;
const ZIP64_MARK = 0xffffffff;
const ZIP_VERSION = 20;
const ZIP64_VERSION = 45;

/** Writes a size or offset as 64 bits; sizes of a Uint8Array are exact in a double. */
function setUint64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}

/** The bytes of an .npz archive holding these arrays, in the order given. */
/**
 * The ZIP64 extended-information field at `at`: its header, then the 64-bit values in the order
 * APPNOTE 4.5.3 gives (uncompressed size, compressed size, then the local header's offset).
 */
function setZip64Extra(view: DataView, at: number, values: number[]): void {
  view.setUint16(at, ZIP64_EXTRA, true);
  view.setUint16(at + 2, 8 * values.length, true);
  values.forEach((value, index) => setUint64(view, at + 4 + 8 * index, value));
}

export function encodeNpz(arrays: Record<string, NdArray> | Map<string, NdArray>, options: NpzOptions = {}): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays.entries()] : Object.entries(arrays);
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  const limit = options.zip64Above ?? ZIP32_LIMIT;
  let offset = 0;
  for (const [key, array] of entries) {
    if (key.length === 0) throw new Error('encodeNpz: an array needs a non-empty name');
    const name = new TextEncoder().encode(`${key}.npy`);
    const raw = encodeNpy(array);
    const body = options.compress ? deflateRawSync(raw) : raw;
    const method = options.compress ? DEFLATED : STORED;
    const crc = crc32(raw);
    const flags = /^[\x20-\x7e]*$/.test(key) ? 0 : UTF8_NAMES;
    const zip64 = raw.length > limit || body.length > limit || offset > limit;
    const version = zip64 ? ZIP64_VERSION : ZIP_VERSION;

    // A ZIP64 local header carries both sizes in its extra field; the central one adds the offset.
    const localExtra = zip64 ? 20 : 0;
    const local = new Uint8Array(30 + name.length + localExtra);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL_HEADER, true);
    lv.setUint16(4, version, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, method, true);
    lv.setUint16(10, DOS_TIME, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, zip64 ? ZIP64_MARK : body.length, true);
    lv.setUint32(22, zip64 ? ZIP64_MARK : raw.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, localExtra, true);
    local.set(name, 30);
    if (zip64) setZip64Extra(lv, 30 + name.length, [raw.length, body.length]);

    const centralExtra = zip64 ? 28 : 0;
    const central = new Uint8Array(46 + name.length + centralExtra);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, CENTRAL_HEADER, true);
    cv.setUint16(4, version, true);
    cv.setUint16(6, version, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, method, true);
    cv.setUint16(12, DOS_TIME, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, zip64 ? ZIP64_MARK : body.length, true);
    cv.setUint32(24, zip64 ? ZIP64_MARK : raw.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, centralExtra, true);
    cv.setUint32(38, 0o100644 << 16, true); // a regular file, rw-r--r--, for unzip
    cv.setUint32(42, zip64 ? ZIP64_MARK : offset, true);
    central.set(name, 46);
    if (zip64) setZip64Extra(cv, 46 + name.length, [raw.length, body.length, offset]);

    locals.push(local, body);
    centrals.push(central);
    offset += local.length + body.length;
  }
  const centralSize = centrals.reduce((n, c) => n + c.length, 0);
  const zip64End = entries.length > 0xfffe || centralSize > limit || offset > limit;
  const tail: Uint8Array[] = [];
  if (zip64End) {
    // The ZIP64 end record and its locator precede the classic end record, whose fields then hold
    // the 'see ZIP64' marks.
    const record = new Uint8Array(56 + 20);
    const rv = new DataView(record.buffer);
    rv.setUint32(0, ZIP64_END, true);
    setUint64(rv, 4, 56 - 12);
    rv.setUint16(12, ZIP64_VERSION, true);
    rv.setUint16(14, ZIP64_VERSION, true);
    setUint64(rv, 24, entries.length);
    setUint64(rv, 32, entries.length);
    setUint64(rv, 40, centralSize);
    setUint64(rv, 48, offset);
    rv.setUint32(56, ZIP64_LOCATOR, true);
    setUint64(rv, 64, offset + centralSize);
    rv.setUint32(72, 1, true); // one disk in all
    tail.push(record);
  }
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, END_OF_CENTRAL_DIRECTORY, true);
  ev.setUint16(8, zip64End ? 0xffff : entries.length, true);
  ev.setUint16(10, zip64End ? 0xffff : entries.length, true);
  ev.setUint32(12, zip64End ? ZIP64_MARK : centralSize, true);
  ev.setUint32(16, zip64End ? ZIP64_MARK : offset, true);
  tail.push(end);

  const parts = [...locals, ...centrals, ...tail];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

interface Member {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Reads a 64-bit little-endian size; zip sizes in a Uint8Array always fit a double exactly. */
function uint64(view: DataView, at: number): number {
  return Number(view.getBigUint64(at, true));
}

function centralDirectory(bytes: Uint8Array, view: DataView, name: string): Member[] {
  const fail = (what: string): never => {
    throw new Error(`${name}: not a valid .npz (zip) file: ${what}`);
  };
  // The end record is the last 22 bytes unless an archive comment (at most 65535 bytes) follows it.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) {
    const start = bytes.length >= 4 ? view.getUint32(0, true) : 0;
    return fail(start === LOCAL_HEADER ? 'no end-of-central-directory record (truncated file?)' : 'it does not start with the zip magic PK\\x03\\x04');
  }
  let count = view.getUint16(end + 10, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) fail('the end record points to a ZIP64 record that is missing');
    const zip64End = uint64(view, locator + 8);
    if (zip64End + 56 > bytes.length || view.getUint32(zip64End, true) !== ZIP64_END) fail('the ZIP64 end record is missing or truncated');
    count = uint64(view, zip64End + 32);
    directoryOffset = uint64(view, zip64End + 48);
  }
  const members: Member[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_HEADER) fail(`central directory entry ${i} is missing or damaged`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const flags = view.getUint16(at + 8, true);
    const memberName = new TextDecoder(flags & UTF8_NAMES ? 'utf-8' : 'latin1').decode(bytes.subarray(at + 46, at + 46 + nameLength));
    let size = view.getUint32(at + 24, true);
    let compressedSize = view.getUint32(at + 20, true);
    let localOffset = view.getUint32(at + 42, true);
    // ZIP64 extra field: the 64-bit values of exactly those fields that hold 0xffffffff, in this order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === ZIP64_EXTRA) {
        let field = extra + 4;
        if (size === 0xffffffff) (size = uint64(view, field)), (field += 8);
        if (compressedSize === 0xffffffff) (compressedSize = uint64(view, field)), (field += 8);
        if (localOffset === 0xffffffff) localOffset = uint64(view, field);
      }
      extra += 4 + length;
    }
    members.push({ name: memberName, method: view.getUint16(at + 10, true), flags, crc: view.getUint32(at + 16, true), compressedSize, size, localOffset });
    at = extraEnd + commentLength;
  }
  return members;
}

/** Decodes an .npz archive into its arrays, by name (without '.npy'), in archive order. */
export function decodeNpz(bytes: Uint8Array, name: string): Map<string, NdArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const arrays = new Map<string, NdArray>();
  for (const member of centralDirectory(bytes, view, name)) {
    if (member.name.endsWith('/')) continue; // a directory entry
    const where = `${name}[${member.name}]`;
    if (!member.name.endsWith('.npy')) throw new Error(`${where}: an .npz member must be an .npy file; this archive holds something else`);
    if (member.flags & 1) throw new Error(`${where}: the member is encrypted; plab reads only unencrypted archives`);
    const at = member.localOffset;
    if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_HEADER) throw new Error(`${where}: the member's local header is missing (truncated or damaged file)`);
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    if (start + member.compressedSize > bytes.length) {
      throw new Error(`${where}: truncated: the member needs ${member.compressedSize} bytes, the file has ${Math.max(0, bytes.length - start)}`);
    }
    const stored = bytes.subarray(start, start + member.compressedSize);
    let raw: Uint8Array;
    if (member.method === STORED) raw = stored;
    else if (member.method === DEFLATED) {
      try {
        raw = inflateRawSync(stored);
      } catch (error) {
        throw new Error(`${where}: the deflated data is damaged (${(error as Error).message})`);
      }
    } else {
      throw new Error(`${where}: compression method ${member.method} is not supported; use np.savez or np.savez_compressed (stored or deflated)`);
    }
    if (raw.length !== member.size) throw new Error(`${where}: the member holds ${raw.length} bytes, its directory entry says ${member.size}`);
    if (crc32(raw) >>> 0 !== member.crc) throw new Error(`${where}: the CRC-32 check failed (damaged file)`);
    arrays.set(member.name.slice(0, -'.npy'.length), decodeNpy(raw, where));
  }
  return arrays;
}

/** Reads and decodes an .npz file. */
export function readNpz(path: string): Map<string, NdArray> {
  return decodeNpz(readFileSync(path), path);
}
