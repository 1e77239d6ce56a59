/**
 * Socket types as they appear in READY's Socket-Type property, with libzmq's
 * numeric values (which zeromq.js exposes as `socket.type`).
 */
export const SOCKET_TYPES = {
  /** ZMQ_PAIR: `Pair`, one peer, both directions (RFC 31). */
  PAIR: 0,
  /** ZMQ_PUB: `Publisher` (RFC 29). */
  PUB: 1,
  /** ZMQ_SUB: `Subscriber` (RFC 29). */
  SUB: 2,
  /** ZMQ_REQ: `Request` (RFC 28). */
  REQ: 3,
  /** ZMQ_REP: `Reply` (RFC 28). */
  REP: 4,
  /** ZMQ_DEALER: `Dealer` (RFC 28). */
  DEALER: 5,
  /** ZMQ_ROUTER: `Router` (RFC 28). */
  ROUTER: 6,
  /** ZMQ_PULL: `Pull` (RFC 30). */
  PULL: 7,
  /** ZMQ_PUSH: `Push` (RFC 30). */
  PUSH: 8,
  /** ZMQ_XPUB: `XPublisher` (RFC 29). */
  XPUB: 9,
  /** ZMQ_XSUB: `XSubscriber` (RFC 29). */
  XSUB: 10,
  /** ZMQ_STREAM: `Stream`, raw TCP. */
  STREAM: 11,
  /** ZMQ_SERVER (draft): `Server` of zmq-ts/draft (RFC 41). */
  SERVER: 12,
  /** ZMQ_CLIENT (draft): `Client` (RFC 41). */
  CLIENT: 13,
  /** ZMQ_RADIO (draft): `Radio` (RFC 48). */
  RADIO: 14,
  /** ZMQ_DISH (draft): `Dish` (RFC 48). */
  DISH: 15,
  /** ZMQ_GATHER (draft): `Gather` (RFC 49). */
  GATHER: 16,
  /** ZMQ_SCATTER (draft): `Scatter` (RFC 49). */
  SCATTER: 17,
  /** ZMQ_DGRAM (draft): `Datagram`, udp only. */
  DGRAM: 18,
  /** ZMQ_PEER (draft): `Peer` (RFC 51). */
  PEER: 19,
  /** ZMQ_CHANNEL (draft): `Channel` (RFC 52). */
  CHANNEL: 20,
} as const

export type SocketTypeName = keyof typeof SOCKET_TYPES

/** Type names by number. */
export const SOCKET_TYPE_NAMES: readonly SocketTypeName[] = Object.keys(SOCKET_TYPES) as SocketTypeName[]

/**
 * Which peer types each type may talk to (RFC 37 "Socket Types" and the
 * pattern RFCs 28-31; libzmq's mechanism_t::check_socket_type).
 */
const COMPATIBLE: Record<SocketTypeName, readonly string[]> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XPUB: ["SUB", "XSUB"],
  XSUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
  STREAM: [],
  SERVER: ["CLIENT"],
  CLIENT: ["SERVER"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  GATHER: ["SCATTER"],
  SCATTER: ["GATHER"],
  DGRAM: [],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
}

/** Socket-Type values compare case-sensitively in libzmq; RFC 37 names are upper case. */
export function isCompatible(ours: SocketTypeName, peer: string): boolean {
  return COMPATIBLE[ours].includes(peer)
}
