/**
 * v5's setsockopt/getsockopt by number. The option table maps a libzmq id
 * to the zeromq.js property that holds it, so ordinary options are a plain
 * property access on the v6 socket (which then validates, converts and
 * throws exactly as zeromq.js's does). Only what v5 did differently is
 * spelled out here.
 */
import { SOCKET_OPTION_BY_ID, type OptionSpec } from "../sockets/option-table.js"
import type { Socket } from "../sockets/socket-base.js"
import * as c from "./constants.js"

/**
 * The socket options v5 knew by number. Of these, the ones the option table
 * has are read and written through its zeromq.js property; the others are
 * special cases (options.ts). An id not listed is an "Unknown option".
 */
export const V5_SOCKET_OPTION_IDS: ReadonlySet<number> = new Set([
  c.ZMQ_AFFINITY, c.ZMQ_IDENTITY, c.ZMQ_SUBSCRIBE, c.ZMQ_UNSUBSCRIBE, c.ZMQ_RATE, c.ZMQ_RECOVERY_IVL, c.ZMQ_SNDBUF, c.ZMQ_RCVBUF,
  c.ZMQ_RCVMORE, c.ZMQ_FD, c.ZMQ_EVENTS, c.ZMQ_TYPE, c.ZMQ_LINGER, c.ZMQ_RECONNECT_IVL, c.ZMQ_BACKLOG, c.ZMQ_RECONNECT_IVL_MAX,
  c.ZMQ_MAXMSGSIZE, c.ZMQ_SNDHWM, c.ZMQ_RCVHWM, c.ZMQ_MULTICAST_HOPS, c.ZMQ_RCVTIMEO, c.ZMQ_SNDTIMEO, c.ZMQ_IPV4ONLY,
  c.ZMQ_LAST_ENDPOINT, c.ZMQ_ROUTER_MANDATORY, c.ZMQ_TCP_KEEPALIVE, c.ZMQ_TCP_KEEPALIVE_CNT, c.ZMQ_TCP_KEEPALIVE_IDLE,
  c.ZMQ_TCP_KEEPALIVE_INTVL, c.ZMQ_TCP_ACCEPT_FILTER, c.ZMQ_DELAY_ATTACH_ON_CONNECT, c.ZMQ_XPUB_VERBOSE, c.ZMQ_ROUTER_RAW,
  c.ZMQ_IPV6, c.ZMQ_MECHANISM, c.ZMQ_PLAIN_SERVER, c.ZMQ_PLAIN_USERNAME, c.ZMQ_PLAIN_PASSWORD, c.ZMQ_CURVE_SERVER,
  c.ZMQ_CURVE_PUBLICKEY, c.ZMQ_CURVE_SECRETKEY, c.ZMQ_CURVE_SERVERKEY, c.ZMQ_ZAP_DOMAIN, c.ZMQ_HEARTBEAT_IVL,
  c.ZMQ_HEARTBEAT_TTL, c.ZMQ_HEARTBEAT_TIMEOUT, c.ZMQ_CONNECT_TIMEOUT, c.ZMQ_ROUTER_HANDOVER,
])

/** What getsockopt can return. */
export type OptionValue = string | number | boolean | null

/** Options v5 could write but not read back: reading them is an "Unknown option". */
const SET_ONLY: ReadonlySet<number> = new Set([c.ZMQ_ROUTER_HANDOVER, c.ZMQ_TCP_ACCEPT_FILTER])

function unknownOption(): Error {
  return new Error("Unknown option")
}

/** A v6 socket seen as the bag of properties v5 reads and writes (sockets are sealed: unknown names throw on write). */
function props(socket: Socket): Record<string, unknown> {
  return socket as unknown as Record<string, unknown>
}

/** The table entry v5 reaches through `id`, if v5 knew it as an ordinary option. */
function tableOption(id: number): OptionSpec | undefined {
  return V5_ONLY_SPECIAL.has(id) || !V5_SOCKET_OPTION_IDS.has(id) ? undefined : SOCKET_OPTION_BY_ID.get(id)
}

/** Ids v5 handled on their own even where the table knows them. */
const V5_ONLY_SPECIAL: ReadonlySet<number> = new Set([c.ZMQ_SUBSCRIBE, c.ZMQ_UNSUBSCRIBE, c.ZMQ_IPV4ONLY, c.ZMQ_XPUB_VERBOSE, c.ZMQ_ROUTER_RAW])

/**
 * Only zeromq.js's SUB sockets have subscribe(); v5 called it blindly, so
 * others fail as a missing method does (zmq-ts's XPUB has its own, for manual mode).
 */
function callFilter(socket: Socket, method: "subscribe" | "unsubscribe", value: unknown): void {
  const fn = props(socket)[method]
  if (socket.typeName !== "SUB" || typeof fn !== "function") throw new TypeError(`this._socket.${method} is not a function`)
  ;(fn as (this: Socket, v: unknown) => void).call(socket, value)
}

export function setOption(socket: Socket, id: number, value: unknown): void {
  switch (id) {
    case c.ZMQ_SUBSCRIBE:
      return callFilter(socket, "subscribe", value)
    case c.ZMQ_UNSUBSCRIBE:
      return callFilter(socket, "unsubscribe", value)
    case c.ZMQ_IPV4ONLY:
      // The inverse of ZMQ_IPV6, which replaced it.
      props(socket).ipv6 = !value
      return
    case c.ZMQ_XPUB_VERBOSE:
      props(socket).verbosity = value ? "allSubs" : null
      return
    case c.ZMQ_ROUTER_RAW:
      throw new Error("ZMQ_ROUTER_RAW is not supported in compatibility mode")
  }
  const spec = tableOption(id)
  if (spec === undefined) throw unknownOption()
  // v5 took 0/1 for flags.
  props(socket)[spec.name] = spec.type === "bool" ? Boolean(value) : value
}

export function getOption(socket: Socket, id: number): OptionValue {
  switch (id) {
    case c.ZMQ_RCVMORE:
      throw new Error("ZMQ_RCVMORE is not supported in compatibility mode")
    case c.ZMQ_FD:
      throw new Error("ZMQ_FD is not supported in compatibility mode")
    case c.ZMQ_EVENTS:
      return (socket.readable ? c.ZMQ_POLLIN : 0) | (socket.writable ? c.ZMQ_POLLOUT : 0)
    case c.ZMQ_TYPE:
      return socket.type
    case c.ZMQ_LAST_ENDPOINT:
      return socket.lastEndpoint
    case c.ZMQ_IPV4ONLY:
      return !props(socket).ipv6
    case c.ZMQ_XPUB_VERBOSE:
      throw new Error("Reading ZMQ_XPUB_VERBOSE is not supported")
    case c.ZMQ_ROUTER_RAW:
      throw new Error("ZMQ_ROUTER_RAW is not supported in compatibility mode")
    case c.ZMQ_MECHANISM:
      return mechanismNumber(socket.securityMechanism)
  }
  const spec = SET_ONLY.has(id) ? undefined : tableOption(id)
  if (spec === undefined) throw unknownOption()
  const value = props(socket)[spec.name]
  // v5 reported flags as 0/1.
  if (spec.type === "bool") return value ? 1 : 0
  return value as OptionValue
}

/** ZMQ_MECHANISM's values: ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE, ZMQ_GSSAPI. */
function mechanismNumber(mechanism: string | null): number {
  switch (mechanism) {
    case "plain":
      return 1
    case "curve":
      return 2
    case "gssapi":
      return 3
    default:
      return 0
  }
}
