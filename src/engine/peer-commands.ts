import { decodeCommand, decodeErrorReason, encodePong } from "../codec/command.js"
import { FRAME_OVERHEAD } from "../codec/constants.js"
import { ProtocolError } from "../codec/protocol-error.js"
import { SECURE_COMMAND, SECURE_MORE, type SecureCodec } from "../mechanism/mechanism.js"
import type { Msg } from "../pipe.js"
import type { SocketTypeName } from "../sockets/socket-types.js"
import { groupCommandIn } from "./draft-wire.js"
import type { EngineOptions } from "./engine-types.js"
import type { Heartbeat } from "./heartbeat.js"
import type { Outbound } from "./outbound.js"

/**
 * What a ZMTP connection does with the peer's commands once the handshake is
 * done (RFC 37: PING/PONG, ERROR, SUBSCRIBE/CANCEL; RFC 48: JOIN/LEAVE), and
 * under CURVE, with every frame: a MESSAGE box holding a command or a
 * message frame (RFC 25). Messages go on to the engine's deliver().
 */
export class PeerCommands {
  /** The CURVE box codec once the handshake is done; null for NULL and PLAIN. */
  secure: SecureCodec | null = null
  /** Frames of a message still arriving in CURVE boxes. */
  private frames: Buffer[] = []
  /** msgCost of frames, held to the same budget as the decoder's message. */
  private cost = 0
  private readonly socketType: SocketTypeName
  private readonly receiveMemoryLimit: number
  private readonly out: Outbound
  private readonly heartbeat: Heartbeat
  private readonly deliver: (frames: Msg) => boolean

  constructor(options: EngineOptions, out: Outbound, heartbeat: Heartbeat, deliver: (frames: Msg) => boolean) {
    this.socketType = options.socketType
    this.receiveMemoryLimit = options.receiveMemoryLimit
    this.out = out
    this.heartbeat = heartbeat
    this.deliver = deliver
  }

  /** A command after the handshake (in the clear, or from inside a CURVE box). */
  handle(body: Buffer): boolean {
    const cmd = decodeCommand(body)
    switch (cmd.name) {
      case "PING": {
        // RFC 37 "PING": reply with PONG carrying the ping's context (at most 16 octets).
        if (cmd.data.length < 2) throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "PING too short")
        const context = cmd.data.subarray(2, Math.min(cmd.data.length, 18))
        // The peer's TTL (deciseconds): without traffic from it for that
        // long, the connection is considered dead (libzmq's TTL timer).
        this.heartbeat.peerTtl(cmd.data.readUInt16BE(0) * 100)
        this.out.pong(encodePong(context))
        return true
      }
      case "PONG":
        return true
      case "ERROR":
        throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `peer sent ERROR: ${decodeErrorReason(cmd.data)}`)
      case "SUBSCRIBE":
      case "CANCEL": {
        // RFC 37 (3.1): subscriptions travel as commands; the socket sees
        // them as the 3.0 style \x01 / \x00 prefixed messages, as libzmq does.
        const type = this.socketType
        if (type !== "PUB" && type !== "XPUB") return true
        // Straight to the pipe: under CURVE this command came out of a box
        // already, and onMessage would try to open it a second time.
        return this.deliver([Buffer.concat([Buffer.of(cmd.name === "SUBSCRIBE" ? 1 : 0), cmd.data])])
      }
      case "JOIN":
      case "LEAVE": {
        // RFC 48 over ZMTP 3.1: a DISH's group membership (draft-wire.ts).
        const msg = groupCommandIn(this.socketType, cmd.name, cmd.data)
        return msg === null || this.deliver(msg)
      }
      default:
        // libzmq ignores commands it does not know after the handshake.
        return true
    }
  }

  /** Decrypts one CURVE MESSAGE and reassembles frames by the flags inside the box (RFC 25). */
  secureFrame(body: Buffer): boolean {
    const { flags, data } = this.secure!.decodeFrame(body)
    if (flags & SECURE_COMMAND) return this.handle(data)
    this.frames.push(data)
    this.cost += data.length + FRAME_OVERHEAD
    const budget = this.receiveMemoryLimit
    if (budget >= 0 && this.cost > budget) {
      throw new ProtocolError("ENOBUFS", `message larger than receiveMemoryLimit (${budget} bytes) refused`)
    }
    if (flags & SECURE_MORE) return true
    const frames = this.frames
    this.frames = []
    this.cost = 0
    return this.deliver(frames)
  }
}
