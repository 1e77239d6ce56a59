import { FLAG_LONG, FLAG_MORE, SHORT_FRAME_MAX } from "./constants.js"

/**
 * Messages whose ZMTP bytes exceed this are not encoded once for all peers:
 * each connection writes their larger bodies by reference instead
 * (WIRE_REF_MIN), which copies nothing at all. Copying a 4 KiB message into
 * fresh memory cost a PUB with 4 peers more than the kernel's write of it
 * (page faults on new slabs: 8.8 vs 3.8 us of PUB CPU per delivery, 4 KiB
 * messages to 4 raw tcp sinks), so only small messages are copied. A
 * reference keeps the application's buffer until the kernel has the bytes,
 * as zeromq.js does for every frame above 128 bytes.
 */
export const WIRE_MAX = 1024
/** A fan-out message too large for wire bytes has its frames from this size on written by reference. */
export const WIRE_REF_MIN = 512
/** Size of the slabs wire bytes are packed into. */
const SLAB_SIZE = 64 * 1024
const EMPTY = Buffer.alloc(0)

/**
 * Encodes a message to its ZMTP bytes (RFC 37 "Framing": every frame, MORE
 * set on all but the last) once, for a socket that sends the same message to
 * many connections (PUB, XPUB). Each connection's batch then refers to those
 * bytes (FrameEncoder.appendWire) instead of encoding and copying them again:
 * libzmq encodes per connection, so a fan-out to N peers copies each message N
 * times there. Consecutive messages are packed back to back into one slab, so
 * that a connection which takes a run of them writes one contiguous view.
 *
 * A slab is never written twice: a view handed out stays valid as long as
 * someone holds it (queued messages keep their slab alive, as FrameCopier's
 * small frames do theirs).
 */
export class WireEncoder {
  private slab = EMPTY
  private pos = 0

  /** The wire bytes of `frames`, or null when they are larger than WIRE_MAX. */
  encode(frames: readonly Uint8Array[]): Buffer | null {
    let size = 0
    for (let i = 0; i < frames.length; i++) {
      const n = frames[i]!.length
      size += (n > SHORT_FRAME_MAX ? 9 : 2) + n
    }
    if (size > WIRE_MAX) return null
    const s = this.reserve(size)
    let p = this.pos
    const last = frames.length - 1
    for (let i = 0; i <= last; i++) {
      const body = frames[i]!
      const n = body.length
      const flags = i < last ? FLAG_MORE : 0
      if (n > SHORT_FRAME_MAX) {
        s[p] = flags | FLAG_LONG
        // 64-bit size: the high half is 0 at WIRE_MAX.
        s.writeUInt32BE(0, p + 1)
        s.writeUInt32BE(n, p + 5)
        p += 9
      } else {
        s[p] = flags
        s[p + 1] = n
        p += 2
      }
      p = copyInto(s, p, body)
    }
    return this.take(p)
  }

  private reserve(n: number): Buffer {
    if (this.slab.length - this.pos < n) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
      this.pos = 0
    }
    return this.slab
  }

  private take(end: number): Buffer {
    const view = this.slab.subarray(this.pos, end)
    this.pos = end
    return view
  }
}

/** Copies `body` to `s` at `p`; returns the position after it. A loop beats copy() for tiny bodies. */
function copyInto(s: Buffer, p: number, body: Uint8Array): number {
  const n = body.length
  if (n < 64) {
    for (let i = 0; i < n; i++) s[p + i] = body[i]!
  } else {
    s.set(body, p)
  }
  return p + n
}
