import { decodeCommand, decodeMetadata, encodeCommand, encodeMetadata } from "../codec/command.js"
import { MECHANISM_PLAIN } from "../codec/constants.js"
import { ProtocolError } from "../codec/protocol-error.js"
import { MechanismFailure } from "./failure.js"
import { basicProperties, MechanismBase, type Mechanism, type MechanismContext } from "./mechanism.js"

/**
 * libzmq's PLAIN writes its ERROR name as the C string "\x05ERROR", in which
 * "\x05E" is one hex escape (0x5E): the command on the wire is 0x5E "RROR",
 * reason-size, reason. libzmq peers send and expect exactly that, so our
 * PLAIN server sends it too and our client accepts it besides RFC 37's form.
 */
const LIBZMQ_PLAIN_ERROR = Buffer.from([0x5e, 0x52, 0x52, 0x4f, 0x52])

function isLibzmqPlainError(body: Buffer): boolean {
  return body.length >= LIBZMQ_PLAIN_ERROR.length && body.subarray(0, LIBZMQ_PLAIN_ERROR.length).equals(LIBZMQ_PLAIN_ERROR)
}

/** libzmq's PLAIN ERROR with a ZAP status code as reason. */
function libzmqPlainError(status: string): Buffer {
  return Buffer.concat([LIBZMQ_PLAIN_ERROR, Buffer.of(status.length), Buffer.from(status, "ascii")])
}

/**
 * PLAIN client (RFC 24): HELLO with username and password, then INITIATE
 * with our metadata once the server says WELCOME; done at the server's READY.
 */
export class PlainClient extends MechanismBase implements Mechanism {
  readonly name = MECHANISM_PLAIN
  readonly asServer = false
  private state: "welcome" | "ready" = "welcome"
  private readonly username: Buffer

  private readonly password: Buffer

  constructor(ctx: MechanismContext, username: string | Buffer, password: string | Buffer) {
    super(ctx)
    this.username = Buffer.from(username)
    this.password = Buffer.from(password)
    if (this.username.length > 255 || this.password.length > 255) throw new RangeError("PLAIN username and password are at most 255 bytes")
  }

  start(): Buffer[] {
    const data = Buffer.concat([Buffer.of(this.username.length), this.username, Buffer.of(this.password.length), this.password])
    return [encodeCommand("HELLO", data)]
  }

  onCommand(body: Buffer): Buffer[] {
    if (isLibzmqPlainError(body)) this.peerError(body.subarray(LIBZMQ_PLAIN_ERROR.length))
    const cmd = decodeCommand(body)
    if (cmd.name === "ERROR") this.peerError(cmd.data)
    if (this.state === "welcome" && cmd.name === "WELCOME") {
      // RFC 24: WELCOME has no data.
      if (cmd.data.length !== 0) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "WELCOME carries data")
      this.state = "ready"
      return [encodeCommand("INITIATE", encodeMetadata(basicProperties(this.ctx)))]
    }
    if (this.state === "ready" && cmd.name === "READY") {
      this.takePeerMetadata(readMetadata(cmd.data, "ERR_ZMTP_MALFORMED_COMMAND_READY"))
      this.status = "ready"
      return []
    }
    throw this.fail("ERR_ZMTP_UNEXPECTED_COMMAND", `unexpected ${cmd.name} during PLAIN handshake`)
  }

  onZapReply(): Buffer[] {
    return []
  }

  onZapMissing(): Buffer[] {
    return []
  }

  private fail(reason: ConstructorParameters<typeof ProtocolError>[0], message: string): ProtocolError {
    this.status = "error"
    return new ProtocolError(reason, message)
  }
}

/**
 * PLAIN server (RFC 24): checks HELLO's credentials with ZAP (a handler is
 * required, as in libzmq), answers WELCOME, and READY after INITIATE.
 */
export class PlainServer extends MechanismBase implements Mechanism {
  readonly name = MECHANISM_PLAIN
  readonly asServer = true
  private state: "hello" | "zap" | "initiate" = "hello"

  constructor(ctx: MechanismContext) {
    super(ctx)
  }

  start(): Buffer[] {
    return []
  }

  onCommand(body: Buffer): Buffer[] {
    if (isLibzmqPlainError(body)) this.peerError(body.subarray(LIBZMQ_PLAIN_ERROR.length))
    const cmd = decodeCommand(body)
    if (this.state === "hello" && cmd.name === "HELLO") {
      const d = cmd.data
      // RFC 24: username-size, username, password-size, password, nothing else.
      if (d.length < 1 || d.length < 1 + d[0]! + 1) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "HELLO truncated")
      const ulen = d[0]!
      const plen = d[1 + ulen]!
      if (d.length !== 2 + ulen + plen) throw this.fail("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "HELLO has a bad password length")
      this.requestZap(MECHANISM_PLAIN, [Buffer.from(d.subarray(1, 1 + ulen)), Buffer.from(d.subarray(2 + ulen))])
      this.state = "zap"
      return []
    }
    if (this.state === "initiate" && cmd.name === "INITIATE") {
      this.takePeerMetadata(readMetadata(cmd.data, "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"))
      this.checkPeerType(this.peerMetadata)
      this.status = "ready"
      return [encodeCommand("READY", encodeMetadata(basicProperties(this.ctx)))]
    }
    if (cmd.name === "ERROR") this.peerError(cmd.data)
    throw this.fail("ERR_ZMTP_UNEXPECTED_COMMAND", `unexpected ${cmd.name} during PLAIN handshake`)
  }

  onZapReply(frames: Buffer[]): Buffer[] {
    this.applyZapReply(frames, libzmqPlainError)
    this.state = "initiate"
    return [encodeCommand("WELCOME")]
  }

  onZapMissing(): Buffer[] {
    // libzmq's plain_server_t cannot authenticate without a handler and fails (EFAULT).
    this.status = "error"
    throw new MechanismFailure("EFAULT", "PLAIN server needs a ZAP handler at inproc://zeromq.zap.01")
  }

  private fail(reason: ConstructorParameters<typeof ProtocolError>[0], message: string): ProtocolError {
    this.status = "error"
    return new ProtocolError(reason, message)
  }
}

function readMetadata(data: Buffer, reason: ConstructorParameters<typeof ProtocolError>[0]): Map<string, Buffer> {
  try {
    return decodeMetadata(data)
  } catch {
    throw new ProtocolError(reason, "malformed metadata")
  }
}
