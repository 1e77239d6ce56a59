/**
 * Sans-I/O WebSocket framing (RFC 6455 section 5), binary only, as ZWS 2.0
 * (RFC 45) needs it: no I/O, no node:net, so that it can run wherever the
 * engine runs. The browser build will use its native WebSocket instead.
 */
import { ProtocolError } from "../../codec/protocol-error.js"

export const OP_CONTINUATION = 0x0
export const OP_TEXT = 0x1
export const OP_BINARY = 0x2
export const OP_CLOSE = 0x8
export const OP_PING = 0x9
export const OP_PONG = 0xa

/** RFC 6455 5.5: control frames carry at most 125 octets and are never fragmented. */
const CONTROL_MAX = 125

/** Where masking keys come from: the client must pick each one unpredictably (RFC 6455 5.3). */
export type MaskSource = () => number

/**
 * Encodes a frame header with FIN set. With a mask key the caller masks the
 * payload with maskPayload() (a client must mask every frame, RFC 6455 5.1).
 */
export function encodeHeader(opcode: number, length: number, mask: number | null): Buffer {
  const maskLen = mask === null ? 0 : 4
  let h: Buffer
  if (length < 126) {
    h = Buffer.allocUnsafe(2 + maskLen)
    h[1] = length
  } else if (length < 0x10000) {
    h = Buffer.allocUnsafe(4 + maskLen)
    h[1] = 126
    h.writeUInt16BE(length, 2)
  } else {
    h = Buffer.allocUnsafe(10 + maskLen)
    h[1] = 127
    // 64-bit length as two halves; lengths never reach 2^53.
    h.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2)
    h.writeUInt32BE(length >>> 0, 6)
  }
  h[0] = 0x80 | opcode
  if (mask !== null) {
    h[1] |= 0x80
    h.writeUInt32BE(mask >>> 0, h.length - 4)
  }
  return h
}

/** Scratch for turning the key, rotated to a phase, into one native-endian 32-bit word. */
const KEY_BYTES = new Uint8Array(4)
const KEY_WORD = new Uint32Array(KEY_BYTES.buffer)

/**
 * XORs `buf` in place with the 4-octet key, `offset` being the position of
 * buf[0] in the payload (RFC 6455 5.3). Word by word once `buf` is aligned:
 * byte by byte it ran at about 140 MB/s, which capped ws throughput.
 */
export function maskInPlace(buf: Uint8Array, mask: number, offset: number): void {
  const k0 = (mask >>> 24) & 0xff
  const k1 = (mask >>> 16) & 0xff
  const k2 = (mask >>> 8) & 0xff
  const k3 = mask & 0xff
  const key = (at: number): number => ((at & 3) === 0 ? k0 : (at & 3) === 1 ? k1 : (at & 3) === 2 ? k2 : k3)
  const n = buf.length
  let i = 0
  while (i < n && ((buf.byteOffset + i) & 3) !== 0) {
    buf[i] = buf[i]! ^ key(offset + i)
    i++
  }
  const words = (n - i) >>> 2
  if (words > 0) {
    for (let j = 0; j < 4; j++) KEY_BYTES[j] = key(offset + i + j)
    const word = KEY_WORD[0]!
    const w = new Uint32Array(buf.buffer, buf.byteOffset + i, words)
    for (let j = 0; j < words; j++) w[j] = w[j]! ^ word
    i += words * 4
  }
  for (; i < n; i++) buf[i] = buf[i]! ^ key(offset + i)
}

/** Copies `src` into `dst` at `dstStart` and masks the copy; `offset` as for maskInPlace. */
export function maskPayload(src: Buffer, dst: Buffer, dstStart: number, mask: number, offset: number): void {
  if (src !== dst || dstStart !== 0) src.copy(dst, dstStart)
  maskInPlace(dst.subarray(dstStart, dstStart + src.length), mask, offset)
}

/** What the parser hands over: whole messages (reassembled) and control frames. */
export interface FrameSink {
  /** A complete binary message; `payload` may be a view into the input. */
  onMessage(payload: Buffer): void
  /** A ping, pong or close frame with its (at most 125 octet) payload. */
  onControl(opcode: number, payload: Buffer): void
}

export interface ParserOptions {
  /** Server side: frames must be masked; client side: they must not be (RFC 6455 5.1). */
  expectMasked: boolean
  /** Largest message accepted, in payload octets, or -1 for no limit. Checked before buffering. */
  maxMessage: number
}

/**
 * Incremental frame parser. Every length is checked against the limit as
 * soon as its header is in, before anything is buffered for it; fragments
 * (opcode 0, RFC 6455 5.4) are reassembled under the same limit.
 */
export class FrameParser {
  private readonly held: Buffer[] = []
  private heldBytes = 0
  /** Octets the frame being held needs in all; nothing is joined before they are here. */
  private need = 0
  /** Fragments of a message still open (the first frame had FIN clear). */
  private fragments: Buffer[] = []
  private fragmentBytes = 0
  private inMessage = false

  constructor(
    private readonly sink: FrameSink,
    private readonly options: ParserOptions,
  ) {}

  /** Feeds bytes; throws ProtocolError when the peer broke RFC 6455 or RFC 45. */
  push(chunk: Buffer): void {
    let buf: Buffer
    if (this.heldBytes === 0) {
      buf = chunk
    } else {
      this.held.push(chunk)
      this.heldBytes += chunk.length
      // Joined once, when the whole frame is in: no quadratic copying of a large frame.
      if (this.heldBytes < this.need) return
      buf = Buffer.concat(this.held, this.heldBytes)
      this.held.length = 0
      this.heldBytes = 0
    }
    this.need = 0
    let pos = 0
    while (pos < buf.length) {
      const used = this.frame(buf, pos)
      if (used === 0) break
      pos += used
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos)
      this.held.push(rest)
      this.heldBytes = rest.length
    }
  }

  /** Parses one frame at `pos`; returns the octets it took, 0 if it is not all here. */
  private frame(buf: Buffer, pos: number): number {
    const avail = buf.length - pos
    this.need = 2
    if (avail < 2) return 0
    const b0 = buf[pos]!
    const b1 = buf[pos + 1]!
    const fin = (b0 & 0x80) !== 0
    const opcode = b0 & 0x0f
    // RFC 6455 5.2: reserved bits must be 0 unless an extension says otherwise; we negotiate none.
    if ((b0 & 0x70) !== 0) throw new ProtocolError("EPROTO", "WebSocket frame with reserved bits set")
    const masked = (b1 & 0x80) !== 0
    if (masked !== this.options.expectMasked) {
      throw new ProtocolError("EPROTO", masked ? "masked WebSocket frame from a server" : "unmasked WebSocket frame from a client")
    }
    let len = b1 & 0x7f
    let head = 2
    if (len === 126) {
      this.need = 4
      if (avail < 4) return 0
      len = buf.readUInt16BE(pos + 2)
      head = 4
    } else if (len === 127) {
      this.need = 10
      if (avail < 10) return 0
      const hi = buf.readUInt32BE(pos + 2)
      // Beyond 2^53 a length cannot be a real message (and the top bit must be 0, RFC 6455 5.2).
      if (hi > 0x1fffff) throw new ProtocolError("EMSGSIZE", "WebSocket frame length out of range")
      len = hi * 0x1_0000_0000 + buf.readUInt32BE(pos + 6)
      head = 10
    }
    const control = opcode >= 0x8
    if (control) {
      if (!fin || len > CONTROL_MAX) throw new ProtocolError("EPROTO", "fragmented or oversized WebSocket control frame")
      if (opcode !== OP_CLOSE && opcode !== OP_PING && opcode !== OP_PONG) throw new ProtocolError("EPROTO", `unknown WebSocket opcode ${opcode}`)
    } else {
      // RFC 45 "Implementation": ZWS messages are binary; text frames are refused, as libzmq does.
      if (opcode === OP_TEXT) throw new ProtocolError("EPROTO", "WebSocket text frame (ZWS carries binary messages only)")
      if (opcode !== OP_BINARY && opcode !== OP_CONTINUATION) throw new ProtocolError("EPROTO", `unknown WebSocket opcode ${opcode}`)
      if (opcode === OP_CONTINUATION && !this.inMessage) throw new ProtocolError("EPROTO", "WebSocket continuation without a message")
      if (opcode === OP_BINARY && this.inMessage) throw new ProtocolError("EPROTO", "WebSocket message started inside another")
      const max = this.options.maxMessage
      if (max >= 0 && this.fragmentBytes + len > max) {
        throw new ProtocolError("EMSGSIZE", `WebSocket message of at least ${this.fragmentBytes + len} octets exceeds ${max}`)
      }
    }
    const maskLen = masked ? 4 : 0
    this.need = head + maskLen + len
    if (avail < this.need) return 0
    let payload = buf.subarray(pos + head + maskLen, pos + head + maskLen + len)
    if (masked) {
      // Unmasked in place: the bytes are ours, and the result is a view of them.
      maskPayload(payload, payload, 0, buf.readUInt32BE(pos + head), 0)
    }
    if (control) {
      this.sink.onControl(opcode, payload)
    } else if (fin && !this.inMessage) {
      this.sink.onMessage(payload)
    } else {
      // Browsers split large messages into fragments (RFC 6455 5.4); libzmq never sends them.
      this.inMessage = true
      this.fragments.push(payload)
      this.fragmentBytes += len
      if (fin) {
        payload = Buffer.concat(this.fragments, this.fragmentBytes)
        this.fragments = []
        this.fragmentBytes = 0
        this.inMessage = false
        this.sink.onMessage(payload)
      }
    }
    return head + maskLen + len
  }
}
