import { GREETING_SIZE, SIGNATURE_SIZE } from "../codec/constants.js"
import { decodeGreeting, isValidSignature, type Greeting } from "../codec/greeting.js"
import { ProtocolError } from "../codec/protocol-error.js"

/**
 * The peer's 64-octet greeting as it arrives, checking each part as soon as
 * it is here (RFC 37 "Version Negotiation"): a non-ZMTP peer is dropped
 * after its first bytes rather than after 64.
 */
export class PeerGreeting {
  /** The greeting while it arrives in pieces; a greeting that comes whole is read where it is. */
  private buf: Buffer | null = null
  private fill = 0
  /** Bytes of its chunk the last read() took: what follows belongs to the handshake. */
  taken = 0

  /** Takes the greeting's bytes from `chunk`; the decoded greeting once all 64 are here, else null. */
  read(chunk: Buffer): Greeting | null {
    const take = Math.min(GREETING_SIZE - this.fill, chunk.length)
    this.taken = take
    let greeting: Buffer
    if (this.fill === 0 && take === GREETING_SIZE) {
      // All of it in one chunk, the usual case: no buffer of its own per connection.
      greeting = chunk
    } else {
      greeting = this.buf ??= Buffer.allocUnsafe(GREETING_SIZE)
      chunk.copy(greeting, this.fill, 0, take)
    }
    const before = this.fill
    this.fill += take
    if (before === 0 && greeting[0] !== 0xff) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "peer is not a ZMTP peer (bad signature)")
    }
    if (before < SIGNATURE_SIZE && this.fill >= SIGNATURE_SIZE && !isValidSignature(greeting)) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "peer speaks ZMTP 1.0, which is not supported")
    }
    if (before <= SIGNATURE_SIZE && this.fill > SIGNATURE_SIZE && greeting[SIGNATURE_SIZE]! < 3) {
      // libzmq downgrades to ZMTP 2.0 here; we only speak 3.x (RFC 37 allows refusing).
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `peer speaks ZMTP revision ${greeting[SIGNATURE_SIZE]}, not 3.x`)
    }
    if (this.fill < GREETING_SIZE) return null
    this.buf = null
    return decodeGreeting(greeting)
  }
}
