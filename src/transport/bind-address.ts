/**
 * Where a tcp or ws bind listens, as libzmq's tcp_address_t::resolve finds it
 * for a local address (ip_resolver.cpp): `*`, an IP address, a network
 * interface's name, or a host name looked up with getaddrinfo (libzmq 4.3.5
 * binds "localhost" and names from /etc/hosts; an unknown one is ENODEV).
 *
 * ZMQ_IPV6 decides the address family, as in libzmq: without it an IPv6
 * address cannot be bound (ENODEV), an IPv4-mapped one is taken as IPv4;
 * with it the socket is an IPv6 one, so an IPv4 address is bound (and
 * reported in ZMQ_LAST_ENDPOINT) in its mapped form, ::ffff:a.b.c.d.
 */
import { V4MAPPED } from "node:dns"
import { lookup } from "node:dns/promises"
import * as net from "node:net"
import { networkInterfaces } from "node:os"

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i

/** The address to listen on, or null where libzmq fails with ENODEV. */
export async function bindAddress(host: string, ipv6: boolean): Promise<string | null> {
  if (host === "*") return ipv6 ? "::" : "0.0.0.0"
  const literal = fromLiteral(host, ipv6)
  if (literal !== undefined) return literal
  const nic = networkInterfaces()[host]
  if (nic !== undefined) {
    // libzmq's resolve_nic_name takes the interface's address of the socket's family (IPv6 first with ZMQ_IPV6).
    const pick = ipv6 ? (nic.find((a) => a.family === "IPv6") ?? nic.find((a) => a.family === "IPv4")) : nic.find((a) => a.family === "IPv4")
    if (pick === undefined) return null
    return pick.family === "IPv4" && ipv6 ? `::ffff:${pick.address}` : pick.address
  }
  try {
    // AF_INET6 with AI_V4MAPPED when ZMQ_IPV6 is set, as libzmq asks getaddrinfo.
    const found = await lookup(host, ipv6 ? { family: 6, hints: V4MAPPED } : { family: 4 })
    return fromLiteral(found.address, ipv6) ?? null
  } catch {
    return null
  }
}

function fromLiteral(host: string, ipv6: boolean): string | null | undefined {
  if (net.isIPv4(host)) return ipv6 ? `::ffff:${host}` : host
  // A zone suffix ("fe80::1%eth0") is part of an IPv6 host for libzmq and for Node alike.
  if (!net.isIPv6(host.split("%")[0]!)) return undefined
  const mapped = MAPPED.exec(host)
  if (mapped !== null) return ipv6 ? host : mapped[1]!
  return ipv6 ? host : null
}

/**
 * The address family a tcp connect resolves its host in (libzmq's tcp_connecter: ZMQ_IPV6 picks AF_INET6,
 * else AF_INET), or null when the host is an IPv6 address and ipv6 is off: libzmq then fails to resolve it at
 * every attempt, opening no socket, and retries.
 */
export function connectFamily(host: string, ipv6: boolean): 0 | 4 | null {
  if (ipv6) return 0
  if (net.isIPv6(host.split("%")[0]!) && !MAPPED.test(host)) return null
  return 4
}
