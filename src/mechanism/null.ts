import { decodeCommand, decodeErrorReason, decodeMetadata, encodeReady, type Metadata } from "../codec/command.js"
import { MECHANISM_NULL } from "../codec/constants.js"
import { ProtocolError } from "../codec/protocol-error.js"
import { basicProperties, type Mechanism, type MechanismContext, type MechanismStatus } from "./mechanism.js"

/**
 * The NULL mechanism (RFC 37 "The NULL Security Mechanism"): each side sends
 * READY with its metadata and the handshake is done when the peer's READY
 * has arrived. An ERROR from the peer ends the handshake.
 */
export class NullMechanism implements Mechanism {
  readonly name = MECHANISM_NULL
  readonly asServer = false
  status: MechanismStatus = "handshaking"
  peerMetadata: Metadata = new Map()
  private readonly ctx: MechanismContext

  constructor(ctx: MechanismContext) {
    this.ctx = ctx
  }

  start(): Buffer[] {
    return [encodeReady(basicProperties(this.ctx))]
  }

  onCommand(body: Buffer): Buffer[] {
    if (this.status !== "handshaking") {
      throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "command after NULL handshake")
    }
    const cmd = decodeCommand(body)
    if (cmd.name === "READY") {
      this.peerMetadata = decodeMetadata(cmd.data)
      this.status = "ready"
      return []
    }
    if (cmd.name === "ERROR") {
      this.status = "error"
      const reason = decodeErrorReason(cmd.data)
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `peer sent ERROR: ${reason}`)
    }
    this.status = "error"
    throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `unexpected ${cmd.name} during NULL handshake`)
  }
}
