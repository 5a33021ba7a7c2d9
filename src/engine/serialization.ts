/**
 * The model file format, shared by every model.
 *
 * ```
 * offset  size  field
 * 0       4     magic "ZPDM"
 * 4       4     format version (uint32 LE) — FORMAT_VERSION
 * 8       4     header length H in bytes (uint32 LE)
 * 12      4     CRC-32 of everything after byte 16
 * 16      H     header: UTF-8 JSON { model, meta, tensors: [{ name, dtype, length, offset }] }
 * 16+H    pad   zero bytes up to a multiple of 8
 * ...           tensor data, little-endian, each at its `offset` from the start of the data block
 * ```
 *
 * `meta` is the model's own JSON (hyper-parameters, id maps); `tensors` are its weights.
 * A file of another version is refused with UNSUPPORTED_FORMAT; any damage (bad magic, bad length,
 * bad checksum, bad JSON) with CORRUPT_MODEL.
 */
import { EngineError, EngineErrorCode } from "./errors.js";

export const FORMAT_VERSION = 1;
const MAGIC = 0x4d44505a; // "ZPDM" read as uint32 LE
const PREFIX = 16;

export type TensorData = Float64Array | Float32Array | Int32Array;
type DType = "f64" | "f32" | "i32";

export interface ModelFile {
  /** The model's name, e.g. "meta". */
  readonly model: string;
  /** JSON-serialisable model metadata. */
  readonly meta: unknown;
  /** Named weight arrays. */
  readonly tensors: Readonly<Record<string, TensorData>>;
}

const dtypeOf = (a: TensorData): DType => (a instanceof Float64Array ? "f64" : a instanceof Float32Array ? "f32" : "i32");
const bytesPer: Record<DType, number> = { f64: 8, f32: 4, i32: 4 };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3) of a byte range. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeModel(file: ModelFile): Uint8Array {
  let offset = 0;
  const entries = Object.entries(file.tensors).map(([name, data]) => {
    const dtype = dtypeOf(data);
    const entry = { name, dtype, length: data.length, offset };
    offset = align8(offset + data.length * bytesPer[dtype]);
    return entry;
  });
  const header = new TextEncoder().encode(JSON.stringify({ model: file.model, meta: file.meta, tensors: entries }));
  const dataStart = align8(PREFIX + header.length);
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, PREFIX);
  for (const e of entries) {
    const src = file.tensors[e.name]!;
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    out.set(bytes, dataStart + e.offset); // typed arrays are little-endian on every platform Node runs on
  }
  view.setUint32(12, crc32(out.subarray(PREFIX)), true);
  return out;
}

const corrupt = (why: string) => new EngineError(EngineErrorCode.CorruptModel, `corrupt model file: ${why}`);

export function decodeModel(bytes: Uint8Array): ModelFile {
  if (bytes.length < PREFIX) throw corrupt("shorter than its fixed prefix");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw corrupt("bad magic number");
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) {
    throw new EngineError(
      EngineErrorCode.UnsupportedFormat,
      `model format version ${version} is not supported (expected ${FORMAT_VERSION})`,
      { version },
    );
  }
  const headerLength = view.getUint32(8, true);
  if (PREFIX + headerLength > bytes.length) throw corrupt("header runs past the end");
  if (crc32(bytes.subarray(PREFIX)) !== view.getUint32(12, true)) throw corrupt("checksum mismatch");
  let header: { model: string; meta: unknown; tensors: { name: string; dtype: DType; length: number; offset: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch {
    throw corrupt("header is not JSON");
  }
  const dataStart = align8(PREFIX + headerLength);
  const tensors: Record<string, TensorData> = {};
  for (const e of header.tensors) {
    const size = e.length * bytesPer[e.dtype];
    if (!(e.dtype in bytesPer) || dataStart + e.offset + size > bytes.length) throw corrupt(`tensor ${e.name} out of bounds`);
    const copy = bytes.slice(dataStart + e.offset, dataStart + e.offset + size).buffer;
    tensors[e.name] = e.dtype === "f64" ? new Float64Array(copy) : e.dtype === "f32" ? new Float32Array(copy) : new Int32Array(copy);
  }
  return { model: header.model, meta: header.meta, tensors };
}
