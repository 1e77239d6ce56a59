/**
 * The ZMTP <-> ZWS 2.0 (RFC 45) translation, sans-I/O, shared by the Node
 * transport (zws-stream.ts, over our own RFC 6455 framing) and the browser
 * one (src/browser/ws-stream.ts, over the browser's WebSocket). The engine
 * keeps speaking ZMTP; this maps its bytes onto WebSocket messages and back.
 *
 * - The HTTP upgrade replaces the ZMTP greeting (RFC 45 has none): the
 *   engine's own greeting is swallowed, and once the subprotocol is agreed
 *   the engine is handed the greeting the peer would have sent (ZMTP 3.0, so
 *   that subscriptions stay \x01/\x00 messages, as RFC 45 "Publish-Subscribe"
 *   and libzmq's ws_encoder send them).
 * - Each ZMTP frame becomes one binary message: a flags octet (0x01 MORE,
 *   0x02 COMMAND, RFC 45 "Framing") and the body; and back.
 * - Heartbeats are WebSocket ping/pong, not ZMTP PING/PONG commands
 *   (libzmq's ws_engine produce_ping_message): the engine's PING goes out as
 *   a ping and the peer's pong comes back to it as a PONG command.
 * - Bare "ZWS2.0" (RFC 45 "No Mechanism"; the only subprotocol a browser can
 *   offer, its WebSocket API refusing "/" in a protocol name): no mechanism,
 *   each side's first message is its routing id (libzmq ws_engine
 *   routing_id_msg / process_routing_id_msg). The engine still runs NULL:
 *   its READY goes out as the routing-id message, and the peer's routing-id
 *   message comes in as a READY naming a socket type that fits ours (bare
 *   ZWS carries none, and libzmq checks none).
 */
import { decodeCommand, decodeMetadata, encodeReady } from "../../codec/command.js"
import { GREETING_SIZE } from "../../codec/constants.js"
import { encodeGreeting } from "../../codec/greeting.js"
import { ProtocolError } from "../../codec/protocol-error.js"
import type { SocketTypeName } from "../../sockets/socket-types.js"

export type ZwsMechanism = "NULL" | "PLAIN" | "CURVE"

/** RFC 45 "No Mechanism": the subprotocol without a mechanism suffix. */
export const BARE_ZWS = "ZWS2.0"

export interface ZwsCodecSink {
  /** One outgoing ZWS message: the flags octet, then body pieces (views of the engine's bytes). */
  message(pieces: Buffer[], size: number): void
  /** The engine's heartbeat PING, to go out as a WebSocket ping. */
  ping(): void
  /** ZMTP bytes for the engine. */
  deliver(buf: Buffer): void
}

export interface ZwsCodecOptions {
  mechanism: ZwsMechanism
  /** Our role in PLAIN/CURVE; the peer's greeting says the opposite. */
  asServer: boolean
  /** Our socket type: under bare ZWS2.0 the peer's READY is made up to fit it. */
  socketType: SocketTypeName
}

/** Frames below this size reach the engine as one buffer with their header. */
const PACK_LIMIT = 8 * 1024
const PING_CMD = Buffer.from("\x04PING", "latin1")
const PONG_CMD = Buffer.from("\x04PONG", "latin1")
const READY_CMD = Buffer.from("\x05READY", "latin1")
/** A ZMTP PONG command frame, as the engine reads it when the peer's pong arrives. */
const PONG_FRAME = Buffer.concat([Buffer.of(0x04, PONG_CMD.length), PONG_CMD])
const FLAGS_NONE = Buffer.of(0)
const FLAGS = [Buffer.of(0), Buffer.of(1), Buffer.of(2), Buffer.of(3)]

/** The peer type a bare ZWS2.0 peer is taken for: the mirror of ours (RFC 28-31 pairings). */
const MIRROR: Record<SocketTypeName, string> = {
  PAIR: "PAIR", PUB: "SUB", SUB: "PUB", XPUB: "SUB", XSUB: "PUB", REQ: "ROUTER", REP: "DEALER",
  DEALER: "ROUTER", ROUTER: "DEALER", PUSH: "PULL", PULL: "PUSH", STREAM: "", SERVER: "CLIENT",
  CLIENT: "SERVER", RADIO: "DISH", DISH: "RADIO", GATHER: "SCATTER", SCATTER: "GATHER", DGRAM: "",
  PEER: "PEER", CHANNEL: "CHANNEL",
}

function startsWith(pieces: Buffer[], prefix: Buffer): boolean {
  const first = pieces[0]
  return first !== undefined && first.length >= prefix.length && first.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
}

function zmtpHeader(into: Buffer, flags: number, size: number): number {
  if (size > 255) {
    into[0] = flags | 0x02
    into.writeUInt32BE(Math.floor(size / 0x1_0000_0000), 1)
    into.writeUInt32BE(size >>> 0, 5)
    return 9
  }
  into[0] = flags
  into[1] = size
  return 2
}

export class ZwsCodec {
  private open = false
  /** Bare ZWS2.0: our routing id has not gone out / the peer's has not come in yet. */
  private bareOut = false
  private bareIn = false
  // Outbound: the engine's ZMTP bytes, parsed back into frames.
  private greetingLeft = GREETING_SIZE
  private readonly hdr = Buffer.alloc(9)
  private hdrFill = 0
  private bodyLeft = -1
  private bodyFlags = 0
  private bodyLen = 0
  private body: Buffer[] = []

  constructor(
    private readonly sink: ZwsCodecSink,
    private readonly opts: ZwsCodecOptions,
  ) {}

  /** The upgrade is done with `protocol`: hands the engine the greeting the peer would have sent. */
  start(protocol: string): void {
    this.open = true
    const bare = protocol === BARE_ZWS
    this.bareOut = bare
    this.bareIn = bare
    const mechanism = bare ? "NULL" : this.opts.mechanism
    const peerAsServer = mechanism !== "NULL" && !this.opts.asServer
    const greeting = encodeGreeting(mechanism, peerAsServer)
    greeting[11] = 0
    this.sink.deliver(greeting)
  }

  /** Stops translating (the connection is closing): later bytes of either side are dropped. */
  stop(): void {
    this.open = false
  }

  /** A pong from the peer: the engine reads it as the PONG to its PING. */
  pong(): void {
    if (this.open) this.sink.deliver(PONG_FRAME)
  }

  /** One binary message from the peer; throws ProtocolError on what RFC 45 forbids. */
  fromPeer(payload: Buffer): void {
    if (!this.open) return
    // RFC 45 "Framing": a flags octet, then the frame body; there is no empty message.
    if (payload.length === 0) throw new ProtocolError("EPROTO", "ZWS message without a flags octet")
    const flags = payload[0]!
    const body = payload.subarray(1)
    if (this.bareIn) {
      // libzmq sends its routing id as a plain single-part message.
      if (flags !== 0) throw new ProtocolError("EPROTO", "bare ZWS2.0: the first message must be a routing id")
      this.bareIn = false
      const props: [string, Buffer | string][] = [["Socket-Type", MIRROR[this.opts.socketType]]]
      if (body.length > 0) props.push(["Identity", Buffer.from(body)])
      this.frameIn(0x04, encodeReady(props))
      return
    }
    this.frameIn((flags & 0x01) | (flags & 0x02 ? 0x04 : 0), body)
  }

  private frameIn(zflags: number, body: Buffer): void {
    const size = body.length
    if (size < PACK_LIMIT) {
      const frame = Buffer.allocUnsafe((size > 255 ? 9 : 2) + size)
      const at = zmtpHeader(frame, zflags, size)
      body.copy(frame, at)
      this.sink.deliver(frame)
    } else {
      const header = Buffer.allocUnsafe(9)
      zmtpHeader(header, zflags, size)
      this.sink.deliver(header)
      this.sink.deliver(body)
    }
  }

  /** Splits the engine's ZMTP bytes (RFC 37 "Framing") into frames; bodies stay views. */
  fromEngine(chunk: Buffer): void {
    let pos = 0
    if (this.greetingLeft > 0) {
      pos = Math.min(this.greetingLeft, chunk.length)
      this.greetingLeft -= pos
    }
    while (pos < chunk.length) {
      if (this.bodyLeft < 0) {
        this.hdr[this.hdrFill++] = chunk[pos++]!
        const need = this.hdrFill >= 1 && (this.hdr[0]! & 0x02) !== 0 ? 9 : 2
        if (this.hdrFill < need) continue
        this.bodyFlags = this.hdr[0]!
        this.bodyLen = need === 9 ? this.hdr.readUInt32BE(1) * 0x1_0000_0000 + this.hdr.readUInt32BE(5) : this.hdr[1]!
        this.bodyLeft = this.bodyLen
        this.hdrFill = 0
      }
      const take = Math.min(this.bodyLeft, chunk.length - pos)
      if (take > 0) this.body.push(chunk.subarray(pos, pos + take))
      pos += take
      this.bodyLeft -= take
      if (this.bodyLeft === 0) {
        this.frameOut(this.bodyFlags, this.body, this.bodyLen)
        this.body = []
        this.bodyLeft = -1
      }
    }
  }

  private frameOut(zflags: number, pieces: Buffer[], size: number): void {
    if (!this.open) return
    const command = (zflags & 0x04) !== 0
    if (command && size <= 5 + 2 + 16 && startsWith(pieces, PING_CMD)) {
      this.sink.ping()
      return
    }
    // The engine only PONGs a ZMTP PING, which a ZWS peer never sends.
    if (command && startsWith(pieces, PONG_CMD)) return
    if (command && this.bareOut) {
      // Our NULL READY becomes the routing-id message; the engine sends nothing else before it.
      if (!startsWith(pieces, READY_CMD)) return
      this.bareOut = false
      const all = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, size)
      const id = decodeMetadata(decodeCommand(all).data).get("identity") ?? Buffer.alloc(0)
      this.sink.message([FLAGS_NONE, id], id.length + 1)
      return
    }
    this.sink.message([FLAGS[(zflags & 0x01) | (command ? 0x02 : 0)]!, ...pieces], size + 1)
  }
}
