// What setting an option changes beyond its stored value, and the read-only
// options of libzmq's socket_base_t, and the security mechanism the options
// select: Socket's option hooks (socket-base.ts), given the state they read.
import type { Mechanism } from "../mechanism/mechanism.js"
import { ConnectionContext } from "../mechanism/connection-context.js"
import { NullMechanism } from "../mechanism/null.js"
import { PlainClient, PlainServer } from "../mechanism/plain.js"
import { makeCurve, type CurveKeyMemo } from "../mechanism/curve-options.js"
import type { Pipe } from "../pipe.js"
import type { OptionName, OptionValues } from "./option-table.js"
import type { RawStored } from "./option-raw.js"
import { parseAddressMask } from "../transport/address-mask.js"
import type { Socket } from "./socket-base.js"
import { SOCKET_TYPES, type SocketTypeName } from "./socket-types.js"

const EMPTY = Buffer.alloc(0)

/** @internal libzmq's ZMQ_THREAD_SAFE sockets: the draft family but DGRAM (zeromq.js `threadSafe`). */
export const THREAD_SAFE_TYPES: ReadonlySet<SocketTypeName> = new Set(["SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "PEER", "CHANNEL"])

/** @internal A new value of option `name` is in `o`: applies it where it acts at once (to the socket's `pipes`). */
export function applyOptionChange(o: OptionValues, pipes: ReadonlySet<Pipe>, name: OptionName): void {
  switch (name) {
    // libzmq: each security option sets the mechanism and the side; the
    // *Server getters report the side only for the current mechanism.
    case "plainServer":
    case "curveServer":
      o.asServer = o[name]
      o.mechanism = o[name] ? (name === "plainServer" ? "plain" : "curve") : null
      break
    case "plainUsername":
    case "plainPassword":
      o.asServer = false
      o.mechanism = "plain"
      break
    case "curveServerKey":
      o.asServer = false
      o.mechanism = "curve"
      break
    case "curvePublicKey":
    case "curveSecretKey":
      o.mechanism = "curve"
      break
    case "tcpAcceptFilter":
      // Each value adds a filter, null clears them (libzmq); the table's check has parsed it already.
      o.acceptFilters = o.tcpAcceptFilter === null ? [] : [...o.acceptFilters, parseAddressMask(o.tcpAcceptFilter.toString("latin1"), o.ipv6)!]
      break
    default:
  }
  o.plainServer = o.asServer && o.mechanism === "plain"
  o.curveServer = o.asServer && o.mechanism === "curve"
  if (name === "sendHighWaterMark") for (const pipe of pipes) if (!pipe.inproc) pipe.outbound.setHwm(o.sendHighWaterMark)
  if (name === "receiveHighWaterMark") for (const pipe of pipes) if (!pipe.inproc) pipe.inbound.setHwm(o.receiveHighWaterMark)
}

/** @internal libzmq's socket_base_t read-only options, for get*Option(id); undefined for any other id. */
export function readOnlyOption(socket: Socket, typeName: SocketTypeName, o: Readonly<OptionValues>, lastEndpoint: string | null, id: number): RawStored | undefined {
  switch (id) {
    case 13: // ZMQ_RCVMORE: receive() hands out whole messages, so never more to come.
      return { kind: "int", value: 0, loose: true }
    case 15: // ZMQ_EVENTS
      return { kind: "int", value: (socket.readable ? 1 : 0) | (socket.writable ? 2 : 0), loose: true }
    case 16: // ZMQ_TYPE
      return { kind: "int", value: SOCKET_TYPES[typeName] }
    case 31: // ZMQ_IPV4ONLY, the inverse of ZMQ_IPV6
      return { kind: "int", value: o.ipv6 ? 0 : 1 }
    case 32: // ZMQ_LAST_ENDPOINT
      return { kind: "bytes", value: Buffer.from(lastEndpoint ?? "") }
    case 43: // ZMQ_MECHANISM: ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE
      return { kind: "int", value: o.mechanism === null ? 0 : o.mechanism === "plain" ? 1 : 2 }
    case 89: // ZMQ_USE_FD: zmq-ts never adopts a file descriptor
      return { kind: "int", value: -1 }
    case 97: // ZMQ_ROUTER_NOTIFY (draft), which zeromq.js does not expose: always off
      return { kind: "int", value: 0 }
    case 81: // ZMQ_THREAD_SAFE
      return { kind: "int", value: THREAD_SAFE_TYPES.has(typeName) ? 1 : 0, loose: true }
    default:
      return undefined
  }
}

/**
 * @internal The mechanism for a new connection of a `typeName` socket, from
 * the security options `o` of its endpoint; `curveKeys` gives the socket's
 * memo of its CURVE keys (made at its first CURVE connection).
 */
export function newMechanism(typeName: SocketTypeName, o: Readonly<OptionValues>, peerAddress: string | (() => string), curveKeys: () => CurveKeyMemo): Mechanism {
  const ctx = new ConnectionContext(
    typeName,
    // ZMQ_ROUTING_ID: the identity (1 to 255 bytes) this socket announces to ROUTER peers, which address it by it.
    o.routingId ?? EMPTY,
    // ZMQ_ZAP_DOMAIN: the security domain (1 to 255 bytes) passed to the ZAP handler (RFC 27) with each handshake.
    o.zapDomain === null ? null : o.zapDomain.toString("utf8"),
    // ZMQ_ZAP_ENFORCE_DOMAIN: when true, a handshake that needs a ZAP handler fails when none is bound
    // (instead of admitting the peer), and a CURVE server without `zapDomain` skips ZAP, as libzmq 4.3 does.
    o.zapEnforceDomain,
    peerAddress,
  )
  switch (o.mechanism) {
    case "plain":
      return o.asServer ? new PlainServer(ctx) : new PlainClient(ctx, o.plainUsername ?? EMPTY, o.plainPassword ?? EMPTY)
    case "curve":
      return makeCurve(o, ctx, curveKeys())
    default:
      return new NullMechanism(ctx)
  }
}
