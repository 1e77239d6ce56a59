/**
 * Socket types as they appear in READY's Socket-Type property, with libzmq's
 * numeric values (which zeromq.js exposes as `socket.type`).
 */
export const SOCKET_TYPES = {
  PAIR: 0,
  PUB: 1,
  SUB: 2,
  REQ: 3,
  REP: 4,
  DEALER: 5,
  ROUTER: 6,
  PULL: 7,
  PUSH: 8,
  XPUB: 9,
  XSUB: 10,
  STREAM: 11,
  SERVER: 12,
  CLIENT: 13,
  RADIO: 14,
  DISH: 15,
  GATHER: 16,
  SCATTER: 17,
  DGRAM: 18,
  PEER: 19,
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
