import type { Socket as NetSocket } from "node:net"
import type { ProtocolError } from "../codec/protocol-error.js"
import type { Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import { ZmtpEngine, type EngineEndReason } from "./engine.js"

/** Starts the ZMTP engine for a freshly connected or accepted stream. */
export function startEngine(socket: Socket, stream: NetSocket, host: { engineReady(e: ZmtpEngine): Pipe; engineStopped(e: ZmtpEngine, r: EngineEndReason): void }): ZmtpEngine {
  return new ZmtpEngine(
    stream,
    {
      socketType: socket.typeName,
      routingId: socket.routingIdForPeers,
      mechanism: socket.makeMechanism(),
      maxMessageSize: socket.maxMessageSize,
      handshakeInterval: socket.handshakeInterval,
    },
    host,
  )
}

/** Copies what the handshake told us about the peer onto its pipe. */
export function describePeer(pipe: Pipe, engine: ZmtpEngine): void {
  pipe.routingId = engine.peerRoutingId
  pipe.peerMetadata = engine.peerMetadata
  pipe.handshakes++
}

export function protocolEvent(address: string, error: ProtocolError) {
  return {
    type: "handshake:error:protocol" as const,
    address,
    error: { code: error.reason, message: error.message },
  }
}

/**
 * Waits until `engine` has handed every queued message to the kernel, or
 * `linger` ms have passed (-1: no limit), then closes it (ZMQ_LINGER).
 */
export function lingerThenClose(engine: ZmtpEngine, linger: number): Promise<void> {
  return new Promise((resolve) => {
    if (engine.stopped) return resolve()
    let timer: NodeJS.Timeout | null = null
    const finish = (): void => {
      if (timer) clearTimeout(timer)
      engine.close()
      resolve()
    }
    if (linger === 0 || !engine.active) return finish()
    if (linger > 0) timer = setTimeout(finish, linger)
    engine.whenDrained(finish)
  })
}
