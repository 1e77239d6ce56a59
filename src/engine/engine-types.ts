import type { Metadata } from "../codec/command.js"
import type { ProtocolError } from "../codec/protocol-error.js"
import type { MechanismFailure } from "../mechanism/failure.js"
import type { Mechanism } from "../mechanism/mechanism.js"
import type { AuthError } from "../mechanism/zap.js"
import type { Pipe } from "../pipe.js"
import type { ZapCall } from "../transport/inproc.js"
import type { SocketTypeName } from "../sockets/socket-types.js"

// The engine's contract with its session and transports, apart from the ZMTP engine itself (engine.ts).

/** Why an engine stopped: libzmq's error_reason_t. */
export type EngineEndReason = (
  /** The connection broke or the peer closed it: a connecting side reconnects. */
  | { kind: "connection"; error?: Error }
  /** The peer broke the protocol: the session ends without reconnecting. */
  | { kind: "protocol"; error: ProtocolError }
  /** Authentication refused the peer (ZAP status 300/400/500, or the peer's ERROR saying so). */
  | { kind: "auth"; error: AuthError }
  /** The handshake could not proceed for a local reason (e.g. no ZAP handler). */
  | { kind: "other"; error: MechanismFailure }
  /** The handshake (or a heartbeat) timed out: treated like a broken connection. */
  | { kind: "timeout" }
  /** We closed it ourselves. */
  | { kind: "closed" }
) & {
  /** Whether the handshake was still under way (libzmq reports handshake failures only then). */
  handshaking?: boolean
}

export interface EngineOptions {
  socketType: SocketTypeName
  routingId: Buffer
  mechanism: Mechanism
  /** Largest frame accepted, -1 for no limit (ZMQ_MAXMSGSIZE). */
  maxMessageSize: number
  /** Largest message accepted, as msgCost counts it, -1 for no limit (the connection's receive budget). */
  receiveMemoryLimit: number
  /** Milliseconds to finish the handshake, 0 for no limit (ZMQ_HANDSHAKE_IVL). */
  handshakeInterval: number
  /** ZMQ_HEARTBEAT_IVL: ms between PINGs we send, 0 for none. */
  heartbeatInterval: number
  /** ZMQ_HEARTBEAT_TIMEOUT: ms to wait for any traffic after a PING (-1: the interval). */
  heartbeatTimeout: number
  /** ZMQ_HEARTBEAT_TTL: ms the peer should wait for our traffic, sent in deciseconds. */
  heartbeatTimeToLive: number
  /** Sends a ZAP request to the handler; null when no handler is bound. */
  zap: (request: Buffer[]) => ZapCall | null
  /**
   * The accepting side: our greeting waits for the peer's first bytes and
   * leaves with our answer to them (see the constructor). Never for the
   * connecting side: two peers waiting for each other would never start.
   */
  greetOnPeerBytes?: boolean
}

/** One connection as its session sees it: ZMTP, or raw bytes for STREAM. */
export interface Engine {
  readonly active: boolean
  readonly stopped: boolean
  readonly peerRoutingId: Buffer
  readonly peerMetadata: Metadata
  /**
   * Closes the connection now; queued messages stay in the pipe. `graceful`
   * (after a linger that saw everything leave): half-close and let the peer
   * close its side, so that it still reads what we sent before it meets a
   * closed socket (a write of its own to a closed socket would fail, and Node
   * then drops what it had not read yet).
   */
  close(graceful?: boolean): void
  /** Calls `fn` once everything queued so far has been handed to the kernel (or the engine stopped). */
  whenDrained(fn: () => void): void
}

/** What an engine reports to the session that owns it. */
export interface EngineHost {
  /** The handshake succeeded: return the pipe to carry this peer's messages. */
  engineReady(engine: Engine): Pipe
  /** The engine has stopped for good; the stream is destroyed. */
  engineStopped(engine: Engine, reason: EngineEndReason): void
}
