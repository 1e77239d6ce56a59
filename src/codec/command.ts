import { ProtocolError } from "./protocol-error.js"

/** A parsed command frame (RFC 37 "Commands": name-size, name, data). */
export interface Command {
  name: string
  data: Buffer
}

export function encodeCommand(name: string, data?: Buffer): Buffer {
  const nameLen = Buffer.byteLength(name, "ascii")
  if (nameLen === 0 || nameLen > 255) throw new RangeError("command name must be 1..255 octets")
  const dataLen = data?.length ?? 0
  const buf = Buffer.allocUnsafe(1 + nameLen + dataLen)
  buf[0] = nameLen
  buf.write(name, 1, "ascii")
  if (data && dataLen) data.copy(buf, 1 + nameLen)
  return buf
}

export function decodeCommand(body: Buffer): Command {
  if (body.length < 1) throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "empty command frame")
  const nameLen = body[0]!
  if (nameLen === 0 || body.length < 1 + nameLen) {
    throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "command name truncated")
  }
  // latin1, not ascii: Node's ascii decoder drops bit 7, which would turn "R\xC5ADY" into "READY".
  return { name: body.toString("latin1", 1, 1 + nameLen), data: body.subarray(1 + nameLen) }
}

/**
 * Metadata (RFC 37 "The READY Command"): name-size (1), name, value-size (4,
 * big-endian), value; repeated. Names compare case-insensitively, so we store
 * them lower-cased.
 */
export type Metadata = Map<string, Buffer>

export function encodeMetadata(props: Iterable<readonly [string, Buffer | string]>): Buffer {
  const parts: Buffer[] = []
  for (const [name, value] of props) {
    const n = Buffer.from(name, "ascii")
    if (n.length === 0 || n.length > 255) throw new RangeError("metadata name must be 1..255 octets")
    const v = typeof value === "string" ? Buffer.from(value) : value
    const head = Buffer.allocUnsafe(1 + n.length + 4)
    head[0] = n.length
    n.copy(head, 1)
    head.writeUInt32BE(v.length, 1 + n.length)
    parts.push(head, v)
  }
  return Buffer.concat(parts)
}

/** libzmq compares property names with strncasecmp in the C locale: only A-Z fold. */
function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
  }
  return s.toLowerCase()
}

export function decodeMetadata(buf: Buffer): Metadata {
  const props: Metadata = new Map()
  let off = 0
  while (off < buf.length) {
    const nameLen = buf[off]!
    off += 1
    if (nameLen === 0 || off + nameLen + 4 > buf.length) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", "metadata property truncated")
    }
    const name = asciiLower(buf.toString("latin1", off, off + nameLen))
    off += nameLen
    const valueLen = buf.readUInt32BE(off)
    off += 4
    if (valueLen > buf.length - off) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", "metadata value truncated")
    }
    props.set(name, buf.subarray(off, off + valueLen))
    off += valueLen
  }
  return props
}

/** READY carries the socket's metadata (RFC 37). */
export function encodeReady(props: Iterable<readonly [string, Buffer | string]>): Buffer {
  return encodeCommand("READY", encodeMetadata(props))
}

/** ERROR: reason-size (1) and reason text (RFC 37 "The ERROR Command"). */
export function encodeError(reason: string): Buffer {
  // RFC 37: the reason is ASCII, at most 255 octets.
  const r = Buffer.from(reason, "ascii")
  const data = Buffer.allocUnsafe(1 + Math.min(r.length, 255))
  data[0] = data.length - 1
  r.copy(data, 1, 0, data.length - 1)
  return encodeCommand("ERROR", data)
}

export function decodeErrorReason(data: Buffer): string {
  if (data.length < 1 || data.length < 1 + data[0]!) {
    throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_ERROR", "ERROR command truncated")
  }
  return data.toString("utf8", 1, 1 + data[0]!)
}

/** PING: TTL in deciseconds (2 octets) and up to 16 octets of context (RFC 37). */
export function encodePing(ttlDeciseconds: number, context: Buffer): Buffer {
  // RFC 37: the context is at most 16 octets.
  const ctx = context.subarray(0, 16)
  const data = Buffer.allocUnsafe(2 + ctx.length)
  data.writeUInt16BE(Math.min(ttlDeciseconds, 0xffff), 0)
  ctx.copy(data, 2)
  return encodeCommand("PING", data)
}

export function encodePong(context: Buffer): Buffer {
  return encodeCommand("PONG", context)
}
