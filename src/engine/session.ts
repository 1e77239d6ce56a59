import type { Socket as NetSocket } from "node:net"
import type { ProtocolError } from "../codec/protocol-error.js"
import type { Pipe } from "../pipe.js"
import type { Socket } from "../sockets/socket-base.js"
import { ZmtpEngine, type Engine, type EngineHost } from "./engine.js"
import { RawEngine } from "./raw-engine.js"

/** Starts the engine for a freshly connected or accepted stream: raw for STREAM sockets, ZMTP otherwise. */
export function startEngine(socket: Socket, stream: NetSocket, host: EngineHost): Engine {
  if (socket.typeName === "STREAM") return new RawEngine(stream, socket.rawNotify, host)
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
export function describePeer(pipe: Pipe, engine: Engine): void {
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
export function lingerThenClose(engine: Engine, linger: number): Promise<void> {
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
