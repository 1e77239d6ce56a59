/** What send() accepts for one frame, as zeromq.js v6 does. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null

/** Received frames are Buffers. */
export type Message = Buffer

/**
 * Frames up to this size are copied at send(), larger ones are referenced
 * (zero-copy). zeromq.js uses the same threshold, so code that reuses a small
 * buffer right after send() behaves the same, and large buffers must not be
 * changed until delivered, as with zeromq.js.
 */
const ZERO_COPY_THRESHOLD = 128
const SLAB_SIZE = 64 * 1024

/**
 * Copies small frames into a shared slab, one allocation per 64 KiB rather
 * than one per frame (the way Node's own Buffer pool works). Each socket owns one.
 */
export class FrameCopier {
  /** Allocated on the first small frame: a socket that never sends holds none. */
  private slab = Buffer.alloc(0)
  private pos = SLAB_SIZE

  copy(src: Uint8Array): Buffer {
    const n = src.length
    if (this.pos + n > this.slab.length) {
      // 1 KiB first (from Node's pool), then 4x up to SLAB_SIZE: a socket
      // that sends one request (10,000 DEALERs, one each) no longer costs a
      // 64 KiB allocation and its GC pressure.
      this.slab = Buffer.allocUnsafe(this.slab.length === 0 ? 1024 : Math.min(SLAB_SIZE, this.slab.length * 4))
      this.pos = 0
    }
    const out = this.slab.subarray(this.pos, this.pos + n)
    out.set(src)
    // Keep the next frame aligned to 8 bytes.
    this.pos = (this.pos + n + 7) & ~7
    return out
  }

  toFrame(value: MessageLike): Buffer {
    if (Buffer.isBuffer(value)) {
      return value.length > ZERO_COPY_THRESHOLD ? value : value.length === 0 ? EMPTY : this.copy(value)
    }
    return toFrame(value, this)
  }

  /** Converts what the application gave send() into a list of frames. */
  toFrames(message: MessageLike | MessageLike[]): Buffer[] {
    if (Array.isArray(message)) {
      // zeromq.js sends nothing at all for an empty array.
      const frames = new Array<Buffer>(message.length)
      for (let i = 0; i < message.length; i++) frames[i] = this.toFrame(message[i] as MessageLike)
      return frames
    }
    if (message === undefined) throw new TypeError("Message must be present")
    return [this.toFrame(message)]
  }
}

const EMPTY = Buffer.alloc(0)

/** Converts one frame; small binary values are copied through `copier`. */
export function toFrame(value: MessageLike, copier: FrameCopier): Buffer {
  if (Buffer.isBuffer(value)) {
    return value.length > ZERO_COPY_THRESHOLD ? value : value.length === 0 ? EMPTY : copier.copy(value)
  }
  if (typeof value === "string") return Buffer.from(value, "utf8")
  if (value === null) return EMPTY
  if (typeof value === "number") return Buffer.from(String(value), "utf8")
  let view: Buffer
  if (ArrayBuffer.isView(value)) {
    view = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  } else if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
    view = Buffer.from(value)
  } else {
    // zeromq.js sends anything else as its string form (JavaScript's ToString).
    if (typeof value === "symbol") throw new TypeError("Cannot convert a Symbol value to a string")
    return Buffer.from(String(value as unknown), "utf8")
  }
  return view.length > ZERO_COPY_THRESHOLD ? view : copier.copy(view)
}

