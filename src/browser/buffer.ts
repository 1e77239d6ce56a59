/**
 * Node's Buffer for the browser build: a Uint8Array subclass with the part
 * of Node's API that zmq-ts uses, and that an application ported from Node
 * most likely calls on received messages (toString, equals, the
 * read/write helpers). The bundle injects it where the code names the global
 * `Buffer` (scripts/build-browser.mjs), so no global is set on the page.
 * Semantics follow Node's documentation: slice() is a view like subarray(),
 * latin1 keeps the low octet, utf8 replaces invalid sequences.
 */

export type Encoding = "utf8" | "utf-8" | "latin1" | "binary" | "ascii" | "hex" | "base64" | "base64url"

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder("utf-8")

function normalize(encoding: string | undefined): Encoding {
  const e = (encoding ?? "utf8").toLowerCase()
  switch (e) {
    case "utf8":
    case "utf-8":
      return "utf8"
    case "latin1":
    case "binary":
      return "latin1"
    case "ascii":
    case "hex":
    case "base64":
    case "base64url":
      return e
    default:
      throw new TypeError(`Unknown encoding: ${String(encoding)}`)
  }
}

function decodeBase64(s: string): Uint8Array {
  const clean = s.replace(/[^A-Za-z0-9+/\-_]/g, "").replace(/-/g, "+").replace(/_/g, "/")
  const bin = atob(clean + "===".slice((clean.length + 3) % 4))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function encodeString(s: string, enc: Encoding): Uint8Array {
  switch (enc) {
    case "utf8":
      return utf8Encoder.encode(s)
    case "latin1":
    case "ascii": {
      const out = new Uint8Array(s.length)
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
      return out
    }
    case "hex": {
      const n = s.length >>> 1
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        const v = parseInt(s.substr(i * 2, 2), 16)
        if (Number.isNaN(v)) return out.subarray(0, i)
        out[i] = v
      }
      return out
    }
    default:
      return decodeBase64(s)
  }
}

function decodeBytes(b: Uint8Array, enc: Encoding): string {
  switch (enc) {
    case "utf8":
      return utf8Decoder.decode(b)
    case "latin1":
    case "ascii": {
      let s = ""
      const mask = enc === "ascii" ? 0x7f : 0xff
      for (let i = 0; i < b.length; i += 4096) {
        const part = b.subarray(i, i + 4096)
        s += String.fromCharCode(...(mask === 0xff ? part : part.map((x) => x & mask)))
      }
      return s
    }
    case "hex": {
      let s = ""
      for (const x of b) s += (x < 16 ? "0" : "") + x.toString(16)
      return s
    }
    default: {
      const b64 = btoa(decodeBytes(b, "latin1"))
      return enc === "base64" ? b64 : b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
    }
  }
}

/**
 * Uint8Array typed without its static side, so that Buffer's statics (from,
 * of) can take Node's arguments instead of the typed-array ones.
 */
const ByteArray = Uint8Array as unknown as new (source: ArrayBufferLike | number, byteOffset?: number, length?: number) => Uint8Array<ArrayBuffer>

export class Buffer extends ByteArray {
  static from(value: string | ArrayLike<number> | ArrayBufferLike | Iterable<number>, encOrOffset?: string | number, length?: number): Buffer {
    if (typeof value === "string") {
      const bytes = encodeString(value, normalize(typeof encOrOffset === "string" ? encOrOffset : undefined))
      return new Buffer(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const offset = typeof encOrOffset === "number" ? encOrOffset : 0
      return new Buffer(value, offset, length ?? value.byteLength - offset)
    }
    // A copy, as Node's Buffer.from(array | typedArray) makes.
    const src = value as ArrayLike<number>
    const out = new Buffer(src.length ?? 0)
    if (typeof src.length === "number") out.set(src)
    else return Buffer.of(...(value as Iterable<number>))
    return out
  }

  static of(...items: number[]): Buffer {
    const out = new Buffer(items.length)
    out.set(items)
    return out
  }

  static alloc(size: number, fill?: number | string, encoding?: string): Buffer {
    const b = new Buffer(size)
    if (fill !== undefined && fill !== 0) b.fill(fill, 0, size, encoding)
    return b
  }

  static allocUnsafe(size: number): Buffer {
    return new Buffer(size)
  }

  static allocUnsafeSlow(size: number): Buffer {
    return new Buffer(size)
  }

  static isBuffer(value: unknown): value is Buffer {
    return value instanceof Buffer
  }

  static isEncoding(encoding: string): boolean {
    try {
      normalize(encoding)
      return true
    } catch {
      return false
    }
  }

  static byteLength(value: string | ArrayBufferView | ArrayBuffer, encoding?: string): number {
    if (typeof value !== "string") return value.byteLength
    return encodeString(value, normalize(encoding)).length
  }

  static concat(list: readonly Uint8Array[], totalLength?: number): Buffer {
    const total = totalLength ?? list.reduce((n, b) => n + b.length, 0)
    const out = new Buffer(total)
    let at = 0
    for (const b of list) {
      if (at >= total) break
      const part = b.length > total - at ? b.subarray(0, total - at) : b
      out.set(part, at)
      at += part.length
    }
    return out
  }

  static compare(a: Uint8Array, b: Uint8Array): number {
    const n = Math.min(a.length, b.length)
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
  }

  override subarray(start?: number, end?: number): Buffer {
    // Uint8Array's subarray builds its result through Symbol.species: already a Buffer.
    return super.subarray(start, end) as Buffer
  }

  /** Node's slice is a view, unlike Uint8Array's. */
  override slice(start?: number, end?: number): Buffer {
    return this.subarray(start, end)
  }

  override toString(encoding?: string, start = 0, end = this.length): string {
    return decodeBytes(this.subarray(start, end), normalize(encoding))
  }

  toJSON(): { type: "Buffer"; data: number[] } {
    return { type: "Buffer", data: Array.from(this) }
  }

  equals(other: Uint8Array): boolean {
    return Buffer.compare(this, other) === 0
  }

  compare(target: Uint8Array, targetStart = 0, targetEnd = target.length, sourceStart = 0, sourceEnd = this.length): number {
    return Buffer.compare(this.subarray(sourceStart, sourceEnd), target.subarray(targetStart, targetEnd))
  }

  copy(target: Uint8Array, targetStart = 0, sourceStart = 0, sourceEnd = this.length): number {
    const n = Math.max(0, Math.min(sourceEnd - sourceStart, target.length - targetStart))
    target.set(super.subarray(sourceStart, sourceStart + n), targetStart)
    return n
  }

  write(s: string, offsetOrEncoding?: number | string, lengthOrEncoding?: number | string, encoding?: string): number {
    const offset = typeof offsetOrEncoding === "number" ? offsetOrEncoding : 0
    const enc = typeof offsetOrEncoding === "string" ? offsetOrEncoding : typeof lengthOrEncoding === "string" ? lengthOrEncoding : encoding
    const max = typeof lengthOrEncoding === "number" ? lengthOrEncoding : this.length - offset
    const bytes = encodeString(s, normalize(enc))
    const n = Math.min(bytes.length, max, this.length - offset)
    this.set(bytes.subarray(0, n), offset)
    return n
  }

  override fill(value: number | string | Uint8Array, start = 0, end = this.length, encoding?: string): this {
    if (typeof value === "number") return super.fill(value & 0xff, start, end)
    const bytes = typeof value === "string" ? encodeString(value, normalize(encoding)) : value
    if (bytes.length === 0) return super.fill(0, start, end)
    for (let i = start; i < end; i++) this[i] = bytes[(i - start) % bytes.length]!
    return this
  }

  override indexOf(value: number | string | Uint8Array, byteOffset = 0, encoding?: string): number {
    if (typeof value === "number") return super.indexOf(value & 0xff, byteOffset)
    const needle = typeof value === "string" ? encodeString(value, normalize(encoding)) : value
    if (byteOffset < 0) byteOffset = Math.max(0, this.length + byteOffset)
    const first = needle.length > 0 ? needle[0]! : -1
    if (first < 0) return byteOffset <= this.length ? byteOffset : this.length
    outer: for (let i: number = super.indexOf(first, byteOffset); i >= 0 && i + needle.length <= this.length; i = super.indexOf(first, i + 1)) {
      for (let j = 1; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer
      return i
    }
    return -1
  }

  override includes(value: number | string | Uint8Array, byteOffset = 0, encoding?: string): boolean {
    return this.indexOf(value, byteOffset, encoding) >= 0
  }

  private view(): DataView {
    return new DataView(this.buffer, this.byteOffset, this.byteLength)
  }

  readUInt8(o = 0): number {
    return this.view().getUint8(o)
  }
  readUInt16BE(o = 0): number {
    return this.view().getUint16(o)
  }
  readUInt16LE(o = 0): number {
    return this.view().getUint16(o, true)
  }
  readUInt32BE(o = 0): number {
    return this.view().getUint32(o)
  }
  readUInt32LE(o = 0): number {
    return this.view().getUint32(o, true)
  }
  readInt32BE(o = 0): number {
    return this.view().getInt32(o)
  }
  readInt32LE(o = 0): number {
    return this.view().getInt32(o, true)
  }
  readBigUInt64BE(o = 0): bigint {
    return this.view().getBigUint64(o)
  }
  readBigUInt64LE(o = 0): bigint {
    return this.view().getBigUint64(o, true)
  }
  writeUInt8(v: number, o = 0): number {
    this.view().setUint8(o, v)
    return o + 1
  }
  writeUInt16BE(v: number, o = 0): number {
    this.view().setUint16(o, v)
    return o + 2
  }
  writeUInt16LE(v: number, o = 0): number {
    this.view().setUint16(o, v, true)
    return o + 2
  }
  writeUInt32BE(v: number, o = 0): number {
    this.view().setUint32(o, v)
    return o + 4
  }
  writeUInt32LE(v: number, o = 0): number {
    this.view().setUint32(o, v, true)
    return o + 4
  }
  writeInt32BE(v: number, o = 0): number {
    this.view().setInt32(o, v)
    return o + 4
  }
  writeInt32LE(v: number, o = 0): number {
    this.view().setInt32(o, v, true)
    return o + 4
  }
  writeBigUInt64BE(v: bigint, o = 0): number {
    this.view().setBigUint64(o, v)
    return o + 8
  }
  writeBigUInt64LE(v: bigint, o = 0): number {
    this.view().setBigUint64(o, v, true)
    return o + 8
  }
}
