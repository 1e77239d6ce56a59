/**
 * Per-socket counters (`socket.stats`) and the publishing side of the
 * tracing channels (src/trace.ts, docs/tracing.md). Neither libzmq nor
 * zeromq.js has them.
 *
 * The counters are plain number fields bumped where the socket already holds
 * the message (its send and receive paths) or the event (Socket.emit), so
 * that keeping them costs a few additions per message; a channel event object
 * is built only when someone subscribed to that channel.
 */
import type { Event } from "./observer.js"
import type { Msg, Pipe } from "./pipe.js"
import type { Socket } from "./sockets/socket-base.js"
import { connectionChannel, dropChannel, handshakeChannel, messageChannel } from "./trace.js"

/** A snapshot of a socket's counters (`socket.stats`), zmq-ts's own. Counts run from the socket's creation. */
export interface SocketStats {
  /** Messages the socket took for sending (queued towards peers, or dropped by its routing, as a PUB with no subscriber does). */
  messagesSent: number
  /** Payload bytes of those messages: the sum of their frames' lengths, as the application passed them. */
  bytesSent: number
  /** Messages handed to the application by receive() or iteration. */
  messagesReceived: number
  /** Payload bytes of those messages (sum of frame lengths). */
  bytesReceived: number
  /** Messages a peer missed because its queue was at the high-water mark (PUB, XPUB, RADIO, non-mandatory ROUTER). */
  drops: number
  /** Messages now waiting in the socket's pipes towards its peers. */
  sendQueue: number
  /** Messages now received from peers and not yet read by the application. */
  receiveQueue: number
  /** Pipes the socket has now: one per connected or connecting peer. */
  pipes: number
  /** Connections made by connect() endpoints (Observer `connect`), reconnections included. */
  connects: number
  /** Connections accepted by bind() endpoints (Observer `accept`). */
  accepts: number
  /** Handshakes completed (Observer `handshake`). */
  handshakes: number
  /** Handshakes that failed (Observer `handshake:error:*`). */
  handshakeFailures: number
  /** Connections lost or ended (Observer `disconnect`). */
  disconnects: number
  /** Reconnection attempts scheduled by connect() endpoints (Observer `connect:retry`). */
  reconnects: number
}

/** `zmq-ts:connection` and `zmq-ts:handshake` events: the Observer event, plus the socket it happened on. */
export type TraceSocketEvent = Event & {
  /** The socket the event happened on. */
  socket: Socket
}

/** A `zmq-ts:message` event. `message` is the socket's own frame array: read it, do not modify it. */
export interface TraceMessageEvent {
  /** The socket that sent or received the message. */
  socket: Socket
  /** "send": taken by send(); "receive": handed to the application. */
  direction: "send" | "receive"
  /** The message's frames. */
  message: Buffer[]
  /** How many frames it has. */
  frames: number
  /** The sum of its frames' lengths. */
  bytes: number
}

/** A `zmq-ts:drop` event: `endpoint` is the peer's pipe's endpoint (as bound or connected). */
export interface TraceDropEvent {
  /** The socket that dropped the message. */
  socket: Socket
  /** Why: the peer's queue was at its high-water mark. */
  reason: "hwm"
  /** The endpoint of the peer's pipe, as bound or connected. */
  endpoint: string
  /** The message's frames. */
  message: Buffer[]
  /** How many frames it has. */
  frames: number
  /** The sum of its frames' lengths. */
  bytes: number
}

/** The sum of a message's frame lengths. */
export function payloadBytes(msg: Msg): number {
  let bytes = 0
  for (let i = 0; i < msg.length; i++) bytes += msg[i]!.length
  return bytes
}

/** One socket's counters. Plain fields, so that V8 keeps them in the object and an increment stays an increment. */
export class SocketCounters {
  messagesSent = 0
  bytesSent = 0
  messagesReceived = 0
  bytesReceived = 0
  drops = 0
  connects = 0
  accepts = 0
  handshakes = 0
  handshakeFailures = 0
  disconnects = 0
  reconnects = 0

  /** Publishes a message event; the socket counted the message itself (Socket.trySend, takeMessage) and checked for subscribers. */
  traceMessage(socket: Socket, direction: "send" | "receive", msg: Msg): void {
    const event: TraceMessageEvent = { socket, direction, message: msg, frames: msg.length, bytes: payloadBytes(msg) }
    messageChannel.publish(event)
  }

  /** A peer's queue was full and it misses `msg` (RFC 29: a publisher drops rather than blocks). */
  dropped(socket: Socket, pipe: Pipe, msg: Msg): void {
    this.drops++
    if (dropChannel.hasSubscribers) {
      const event: TraceDropEvent = { socket, reason: "hwm", endpoint: pipe.endpoint, message: msg, frames: msg.length, bytes: payloadBytes(msg) }
      dropChannel.publish(event)
    }
  }

  /** Counts an Observer event and publishes it on its channel. */
  event(socket: Socket, event: Event): void {
    let channel = connectionChannel
    switch (event.type) {
      case "connect":
        this.connects++
        break
      case "accept":
        this.accepts++
        break
      case "handshake":
        this.handshakes++
        channel = handshakeChannel
        break
      case "handshake:error:protocol":
      case "handshake:error:auth":
      case "handshake:error:other":
        this.handshakeFailures++
        channel = handshakeChannel
        break
      case "disconnect":
        this.disconnects++
        break
      case "connect:retry":
        this.reconnects++
        break
      default:
    }
    if (channel.hasSubscribers) {
      const traced: TraceSocketEvent = { ...event, socket }
      channel.publish(traced)
    }
  }

  /** The snapshot `socket.stats` returns; queue depths are counted now, from the pipes. */
  snapshot(pipes: Iterable<Pipe>): SocketStats {
    let sendQueue = 0
    let receiveQueue = 0
    let count = 0
    for (const pipe of pipes) {
      sendQueue += pipe.outbound.length
      receiveQueue += pipe.inbound.length
      count++
    }
    return {
      messagesSent: this.messagesSent,
      bytesSent: this.bytesSent,
      messagesReceived: this.messagesReceived,
      bytesReceived: this.bytesReceived,
      drops: this.drops,
      sendQueue,
      receiveQueue,
      pipes: count,
      connects: this.connects,
      accepts: this.accepts,
      handshakes: this.handshakes,
      handshakeFailures: this.handshakeFailures,
      disconnects: this.disconnects,
      reconnects: this.reconnects,
    }
  }
}
