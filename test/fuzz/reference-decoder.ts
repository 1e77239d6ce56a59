/**
 * An independent reference for FrameDecoder (RFC 37 "Framing"), shared by the
 * socket-level fuzzer and the in-process targets: what the decoder must
 * deliver from `bytes`, and whether it must fail. A frame whose size exceeds
 * maxFrameSize (or what a Buffer can hold) fails as soon as its header is
 * complete; a message whose cost (bytes plus FRAME_OVERHEAD a frame) would
 * exceed messageBudget fails at the header of the frame that crosses it. A
 * command frame is delivered on its own and does not interrupt the message
 * being gathered. Plain numbers, not BigInt: the in-process decoder target
 * runs tens of thousands of inputs a second.
 */
import { constants as bufferConstants } from "node:buffer"
import { FRAME_OVERHEAD } from "../../src/codec/constants.js"

export type DecoderEvent = { cmd: Buffer } | { msg: Buffer[] }

const F_MORE = 1
const F_LONG = 2
const F_CMD = 4

export function referenceDecode(bytes: Buffer, maxFrameSize: number, budget = -1): { events: DecoderEvent[]; error: boolean } {
  const events: DecoderEvent[] = []
  let frames: Buffer[] = []
  let cost = 0
  let off = 0
  while (off < bytes.length) {
    const flags = bytes[off]!
    const sizeLen = flags & F_LONG ? 8 : 1
    if (bytes.length - off - 1 < sizeLen) break
    let size: number
    if (sizeLen === 1) size = bytes[off + 1]!
    else {
      const hi = bytes.readUInt32BE(off + 1)
      size = hi >= 0x200000 ? Infinity : hi * 0x1_0000_0000 + bytes.readUInt32BE(off + 5)
    }
    if ((maxFrameSize >= 0 && size > maxFrameSize) || size > bufferConstants.MAX_LENGTH) return { events, error: true }
    if (!(flags & F_CMD) && budget >= 0 && cost + size + FRAME_OVERHEAD > budget) return { events, error: true }
    const start = off + 1 + sizeLen
    if (bytes.length - start < size) break
    const body = bytes.subarray(start, start + size)
    off = start + size
    if (flags & F_CMD) {
      events.push({ cmd: body })
      continue
    }
    frames.push(body)
    cost += body.length + FRAME_OVERHEAD
    if (!(flags & F_MORE)) {
      events.push({ msg: frames })
      frames = []
      cost = 0
    }
  }
  return { events, error: false }
}

/** null when both delivered the same commands and messages, else what differs. */
export function sameEvents(a: DecoderEvent[], b: DecoderEvent[]): string | null {
  if (a.length !== b.length) return `delivered ${a.length} items, reference ${b.length}`
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if ("cmd" in x && "cmd" in y) {
      if (!x.cmd.equals(y.cmd)) return `item ${i}: command body differs`
    } else if ("msg" in x && "msg" in y) {
      if (x.msg.length !== y.msg.length) return `item ${i}: ${x.msg.length} frames, reference ${y.msg.length}`
      for (let j = 0; j < x.msg.length; j++) if (!x.msg[j]!.equals(y.msg[j]!)) return `item ${i} frame ${j} differs`
    } else return `item ${i}: command/message mismatch`
  }
  return null
}
