import { GREETING_SIZE, SIGNATURE_SIZE } from "./constants.js"
import { ProtocolError } from "./protocol-error.js"

/** What the peer announced in its greeting (RFC 37 "The Greeting"). */
export interface Greeting {
  major: number
  minor: number
  mechanism: string
  asServer: boolean
}

/**
 * Encodes our 64-octet greeting: signature, version 3.1, mechanism, as-server.
 *
 * libzmq puts (routing-id length + 1) as a 64-bit big-endian number into the
 * eight padding octets so that ZMTP 1.0 peers see a valid identity frame; RFC 37
 * calls them padding and says any value is fine. We do what libzmq does.
 */
export function encodeGreeting(mechanism: string, asServer: boolean, routingIdLength = 0): Buffer {
  // From Node's pool (one per connection; a zeroed Buffer.alloc is an ArrayBuffer of its own each).
  const buf = Buffer.allocUnsafe(GREETING_SIZE).fill(0)
  buf[0] = 0xff
  // A 64-bit big-endian number below 2^32: the high half stays zero.
  buf.writeUInt32BE(routingIdLength + 1, 5)
  buf[9] = 0x7f
  buf[10] = 3
  buf[11] = 1
  if (mechanism.length > 20) throw new RangeError("mechanism name longer than 20 octets")
  buf.write(mechanism, 12, "ascii")
  buf[32] = asServer ? 1 : 0
  return buf
}

/**
 * Checks the signature part (first 10 octets). Returns false if the peer does
 * not speak ZMTP 2.0 or later (RFC 37 "Version Negotiation": octet 0 is 0xFF
 * and bit 0 of octet 9 is set).
 */
export function isValidSignature(buf: Buffer): boolean {
  return buf.length >= SIGNATURE_SIZE && buf[0] === 0xff && (buf[9]! & 0x01) === 1
}

/** Parses a complete 64-octet greeting. Throws ProtocolError when it is malformed. */
export function decodeGreeting(buf: Buffer): Greeting {
  if (buf.length < GREETING_SIZE) throw new RangeError("greeting needs 64 octets")
  if (!isValidSignature(buf)) throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "invalid greeting signature")
  const major = buf[10]!
  const minor = buf[11]!
  let end = 12
  while (end < 32 && buf[end] !== 0) end++
  // latin1 keeps bit 7, so "\xCEULL" never matches "NULL".
  const mechanism = buf.toString("latin1", 12, end)
  // RFC 37: mechanism names are upper-case letters, digits, '-', '_', '.', '+'.
  for (let i = end; i < 32; i++) {
    if (buf[i] !== 0) throw new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", "mechanism name not null-padded")
  }
  const asServer = buf[32] === 1
  return { major, minor, mechanism, asServer }
}
