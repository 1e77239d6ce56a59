/**
 * ZMQ_TCP_ACCEPT_FILTER's entries, as libzmq's tcp_address_mask_t has them:
 * "address" or "address/bits", numeric only (no DNS, no interface names).
 * A tcp listener with any filter accepts a connection only from an address
 * matching one of them. Pure functions: no I/O.
 */
import { isIPv4, isIPv6 } from "node:net"

export interface AddressMask {
  readonly family: 4 | 6
  /** The network address, 4 or 16 bytes. */
  readonly bytes: Uint8Array
  /** Leading bits that must match; 0 matches every address of the family. */
  readonly bits: number
}

/** A dotted IPv4 address as inet_aton reads it: "5" and "127.1" are addresses too (libzmq resolves them so). */
function parseIPv4(text: string): Uint8Array | null {
  if (!/^\d+(\.\d+){0,3}$/.test(text)) return null
  const parts = text.split(".").map(Number)
  const out = new Uint8Array(4)
  const last = parts.pop()!
  for (let i = 0; i < parts.length; i++) {
    if (parts[i]! > 255) return null
    out[i] = parts[i]!
  }
  // The last part fills the bytes that are left.
  const room = 4 - parts.length
  if (last >= 2 ** (8 * room)) return null
  for (let i = 3, v = last; i >= parts.length; i--, v = Math.floor(v / 256)) out[i] = v % 256
  return out
}

function parseIPv6(text: string): Uint8Array | null {
  if (!isIPv6(text)) return null
  let head = text
  const out = new Uint8Array(16)
  // An embedded IPv4 tail ("::ffff:1.2.3.4") holds the last 4 bytes.
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  let groupsRoom = 8
  if (v4) {
    out.set(parseIPv4(v4[1]!)!, 12)
    head = text.slice(0, text.length - v4[1]!.length)
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1)
    groupsRoom = 6
  }
  const [left = "", right] = head.split("::")
  const l = left === "" ? [] : left.split(":")
  const r = right === undefined || right === "" ? [] : right.split(":")
  const groups = right === undefined ? l : [...l, ...new Array<string>(groupsRoom - l.length - r.length).fill("0"), ...r]
  groups.forEach((g, i) => {
    const n = parseInt(g, 16)
    out[i * 2] = n >> 8
    out[i * 2 + 1] = n & 0xff
  })
  return out
}

/**
 * Parses a filter entry; null where libzmq answers EINVAL. IPv6 entries
 * only with the `ipv6` option, as libzmq's resolver has it.
 */
export function parseAddressMask(text: string, ipv6: boolean): AddressMask | null {
  const slash = text.lastIndexOf("/")
  const addr = slash < 0 ? text : text.slice(0, slash)
  const mask = slash < 0 ? undefined : text.slice(slash + 1)
  const v4 = isIPv4(addr) || /^\d+(\.\d+){0,3}$/.test(addr) ? parseIPv4(addr) : null
  const v6 = v4 === null && ipv6 ? parseIPv6(addr) : null
  const bytes = v4 ?? v6
  if (bytes === null) return null
  const max = v4 !== null ? 32 : 128
  if (mask === undefined) return { family: v4 !== null ? 4 : 6, bytes, bits: max }
  if (!/^\d+$/.test(mask)) return null
  const bits = Number(mask)
  if (bits > max) return null
  return { family: v4 !== null ? 4 : 6, bytes, bits }
}

/** A peer's address as Node reports it, IPv4-mapped IPv6 ("::ffff:1.2.3.4") taken as the IPv4 address it is. */
function peerBytes(address: string): { family: 4 | 6; bytes: Uint8Array } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  const text = mapped ? mapped[1]! : address
  if (isIPv4(text)) return { family: 4, bytes: parseIPv4(text)! }
  const v6 = parseIPv6(text)
  return v6 === null ? null : { family: 6, bytes: v6 }
}

function matchOne(mask: AddressMask, peer: { family: 4 | 6; bytes: Uint8Array }): boolean {
  if (mask.family !== peer.family) return false
  const whole = mask.bits >> 3
  for (let i = 0; i < whole; i++) if (mask.bytes[i] !== peer.bytes[i]) return false
  const rest = mask.bits & 7
  if (rest === 0) return true
  const m = (0xff << (8 - rest)) & 0xff
  return (mask.bytes[whole]! & m) === (peer.bytes[whole]! & m)
}

/** Whether a connection from `address` passes the filters (no filters: every address does). */
export function acceptedBy(masks: readonly AddressMask[], address: string | undefined): boolean {
  if (masks.length === 0) return true
  const peer = address === undefined ? null : peerBytes(address)
  return peer !== null && masks.some((m) => matchOne(m, peer))
}
