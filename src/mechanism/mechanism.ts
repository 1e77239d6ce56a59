import { decodeErrorReason, encodeError, type Metadata } from "../codec/command.js"
import { ProtocolError } from "../codec/protocol-error.js"
import { isCompatible, type SocketTypeName } from "../sockets/socket-types.js"
import { AuthError, decodeZapReply, type ZapRequest } from "./zap.js"

/** Where a security handshake stands. */
export type MechanismStatus = "handshaking" | "ready" | "error"

/**
 * A security mechanism's handshake as a state machine without I/O
 * (RFC 37 "Authentication and Confidentiality"). The engine feeds it the
 * command frames it receives and writes out the command frames it returns.
 * A server that must ask ZAP sets `zapRequest`; the engine performs the
 * request and hands the reply (or its absence) back.
 */
export interface Mechanism {
  readonly name: string
  readonly asServer: boolean
  readonly status: MechanismStatus
  /** The peer's metadata once the handshake has finished (names lower-cased). */
  readonly peerMetadata: Metadata
  /** A ZAP request waiting to be sent; the engine takes it (sets it back to null). */
  zapRequest: ZapRequest | null
  /** User-Id from the ZAP reply, once authenticated. */
  readonly userId: string
  /** Commands to send as soon as the greetings have been exchanged. */
  start(): Buffer[]
  /** Handles one handshake command; returns the commands to send. Throws ProtocolError or AuthError. */
  onCommand(body: Buffer): Buffer[]
  /** Handles the ZAP handler's reply frames; returns the commands to send. */
  onZapReply(frames: Buffer[]): Buffer[]
  /** No ZAP handler is bound: returns the commands to send, or throws. */
  onZapMissing(): Buffer[]
  /** CURVE: encrypts one frame into a MESSAGE command body. */
  encodeFrame?(flags: number, data: Buffer): Buffer
  /** CURVE: decrypts a MESSAGE command body. Throws ProtocolError. */
  decodeFrame?(body: Buffer): { flags: number; data: Buffer }
}

/** A mechanism that encrypts frames after the handshake (CURVE). */
export type SecureCodec = Required<Pick<Mechanism, "encodeFrame" | "decodeFrame">>

/** Frame flags inside a CURVE MESSAGE box (RFC 25): bit 0 MORE, bit 1 COMMAND. */
export const SECURE_MORE = 0x01
export const SECURE_COMMAND = 0x02

/** What every mechanism needs from the socket to build READY/INITIATE metadata and ZAP requests. */
export interface MechanismContext {
  socketType: SocketTypeName
  routingId: Buffer
  /** ZMQ_ZAP_DOMAIN; null when unset. */
  zapDomain: string | null
  /** ZMQ_ZAP_ENFORCE_DOMAIN: fail when ZAP is required but no handler is bound. */
  zapEnforceDomain: boolean
  /** The peer's address as ZAP reports it (an IP for tcp). */
  peerAddress: string
}

/**
 * Our metadata: Socket-Type always, Identity only for the socket types whose
 * peers route by it. This is libzmq's rule (mechanism_t::
 * make_command_with_basic_properties): REQ, DEALER and ROUTER send Identity.
 */
export function basicProperties(ctx: MechanismContext): [string, Buffer | string][] {
  const props: [string, Buffer | string][] = [["Socket-Type", ctx.socketType]]
  if (ctx.socketType === "REQ" || ctx.socketType === "DEALER" || ctx.socketType === "ROUTER") {
    props.push(["Identity", ctx.routingId])
  }
  return props
}

/**
 * Refuses a peer whose Socket-Type cannot talk to ours (RFC 37 "The READY
 * Command"; libzmq's mechanism_t::check_socket_type).
 */
export function checkPeerSocketType(ours: SocketTypeName, meta: Metadata): void {
  const peer = meta.get("socket-type")?.toString("latin1") ?? ""
  if (!isCompatible(ours, peer)) {
    throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", `socket type ${ours} cannot talk to ${peer || "(none)"}`)
  }
}

/**
 * The largest frame accepted before the handshake is done. libzmq reads any
 * size up to maxMessageSize here, so a peer's "4 GB HELLO" is buffered until
 * the handshake times out; we refuse it at its header. The fixed-size
 * commands (a CURVE HELLO is 200 octets, an ERROR at most 262) are far
 * below; the bound is for the metadata of READY and INITIATE, which libzmq
 * does not bound: 64 KiB holds Socket-Type, a 255-octet Identity and plenty
 * of application properties (ZMQ_METADATA). Anything smaller but still wrong
 * reaches the mechanism, which reports it as libzmq does (a malformed HELLO
 * is ERR_ZMTP_MALFORMED_COMMAND_HELLO, not a size error).
 */
export const HANDSHAKE_COMMAND_MAX = 64 * 1024 + 1024

/** Shared by the mechanisms: ZAP bookkeeping and ERROR handling as libzmq does them. */
export abstract class MechanismBase {
  status: MechanismStatus = "handshaking"
  peerMetadata: Metadata = new Map()
  zapRequest: ZapRequest | null = null
  userId = ""
  protected readonly ctx: MechanismContext
  /** Properties the ZAP handler set: the peer's own metadata cannot override them (libzmq). */
  private readonly zapProperties = new Set<string>()

  constructor(ctx: MechanismContext) {
    this.ctx = ctx
  }

  /**
   * Takes the peer's metadata, except names the ZAP handler already set:
   * libzmq's stream_engine_base inserts the ZAP properties first into a map
   * that keeps the first value, so a peer cannot claim its own User-Id.
   */
  protected takePeerMetadata(meta: Metadata): void {
    for (const [k, v] of meta) if (!this.zapProperties.has(k)) this.peerMetadata.set(k, v)
  }

  /**
   * A server checks the client's Socket-Type before it answers with READY:
   * libzmq's parse_metadata refuses an incompatible peer there, so the peer
   * never sees our READY.
   */
  protected checkPeerType(meta: Metadata): void {
    try {
      checkPeerSocketType(this.ctx.socketType, meta)
    } catch (err) {
      this.status = "error"
      throw err
    }
  }

  protected requestZap(mechanism: string, credentials: Buffer[]): void {
    this.zapRequest = {
      domain: this.ctx.zapDomain ?? "",
      address: this.ctx.peerAddress,
      identity: this.ctx.routingId,
      mechanism,
      credentials,
    }
  }

  /**
   * Applies a ZAP reply. 200 lets the handshake go on; 400 and 500 are
   * answered with an ERROR carrying the status code, 300 with none (libzmq);
   * either way the handshake fails with an AuthError the engine reports as
   * `handshake:error:auth`.
   */
  protected applyZapReply(frames: Buffer[], makeError: (status: string) => Buffer = encodeError): void {
    let reply
    try {
      reply = decodeZapReply(frames)
    } catch (err) {
      this.status = "error"
      throw err
    }
    if (reply.status === 200) {
      this.userId = reply.userId
      const props = new Map(reply.metadata)
      if (reply.userId) props.set("user-id", Buffer.from(reply.userId))
      for (const [k, v] of props) {
        this.peerMetadata.set(k, v)
        this.zapProperties.add(k)
      }
      return
    }
    this.status = "error"
    const refusal = reply.status === 300 ? [] : [makeError(String(reply.status))]
    throw new AuthError(reply.status, `ZAP refused the peer: ${reply.status} ${reply.statusText}`, refusal)
  }

  /**
   * An ERROR from the peer during the handshake. A reason that is a ZAP status
   * code (300, 400, 500) is an authentication failure (libzmq's
   * handle_error_reason); anything else a protocol error.
   */
  protected peerError(data: Buffer): never {
    this.status = "error"
    const reason = decodeErrorReason(data)
    if (/^[345]00$/.test(reason)) throw new AuthError(Number(reason), `peer refused authentication: ${reason}`, [])
    throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `peer sent ERROR: ${reason}`)
  }
}
