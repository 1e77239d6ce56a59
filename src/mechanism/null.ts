import { decodeCommand, decodeMetadata, encodeReady } from "../codec/command.js"
import { MECHANISM_NULL } from "../codec/constants.js"
import { ProtocolError } from "../codec/protocol-error.js"
import { MechanismFailure } from "./failure.js"
import { basicProperties, MechanismBase, type Mechanism, type MechanismContext } from "./mechanism.js"

/**
 * The NULL mechanism (RFC 37 "The NULL Security Mechanism"): each side sends
 * READY with its metadata and the handshake is done when the peer's READY
 * has arrived. With a ZAP domain set, READY waits for ZAP's verdict first
 * (libzmq's null_mechanism_t; RFC 27 allows ZAP for NULL).
 */
export class NullMechanism extends MechanismBase implements Mechanism {
  readonly name = MECHANISM_NULL
  readonly asServer = false
  private readySent = false
  private peerReady = false

  constructor(ctx: MechanismContext) {
    super(ctx)
  }

  start(): Buffer[] {
    // libzmq asks ZAP only when a domain is set.
    if (this.ctx.zapDomain) {
      this.requestZap(MECHANISM_NULL, [])
      return []
    }
    return this.sendReady()
  }

  onZapMissing(): Buffer[] {
    if (this.ctx.zapEnforceDomain) {
      this.status = "error"
      throw new MechanismFailure("EFAULT", "ZAP domain set but no ZAP handler is bound")
    }
    return this.sendReady()
  }

  onZapReply(frames: Buffer[]): Buffer[] {
    this.applyZapReply(frames)
    return this.sendReady()
  }

  private sendReady(): Buffer[] {
    this.readySent = true
    if (this.peerReady) this.status = "ready"
    return [encodeReady(basicProperties(this.ctx))]
  }

  onCommand(body: Buffer): Buffer[] {
    if (this.status !== "handshaking" || this.peerReady) {
      throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "command after NULL handshake")
    }
    const cmd = decodeCommand(body)
    if (cmd.name === "READY") {
      this.takePeerMetadata(decodeMetadata(cmd.data))
      this.peerReady = true
      if (this.readySent) this.status = "ready"
      return []
    }
    if (cmd.name === "ERROR") this.peerError(cmd.data)
    this.status = "error"
    throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `unexpected ${cmd.name} during NULL handshake`)
  }
}
