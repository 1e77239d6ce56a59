import { isIPv4, isIPv6 } from "node:net"
import { zmqError } from "../errors.js"
import { parseEpgm, type EpgmEndpoint } from "./epgm/address.js"

export type Endpoint =
  | { transport: "tcp"; host: string; port: number; raw: string; source?: { host: string; port: number } }
  | { transport: "ipc"; path: string; raw: string }
  | { transport: "inproc"; name: string; raw: string }
  | UdpEndpoint
  | EpgmEndpoint
  | { transport: "ws" | "wss"; host: string; port: number; path: string; raw: string }

/**
 * A udp:// address as libzmq's udp_address_t::resolve reads it: `host:port`,
 * or `source;group:port` where the source (an IPv4 address, an interface
 * name or `*`) names the interface a multicast group is joined and sent on.
 * `multicast` and `source` are only present when set.
 */
export interface UdpEndpoint {
  transport: "udp"
  host: string
  port: number
  raw: string
  source?: string
  multicast?: true
}

/**
 * Parses "transport://address" as libzmq accepts it (zmq_tcp, zmq_ipc,
 * zmq_inproc man pages). For tcp, the host may be `*`, an IPv4 address, an
 * IPv6 address in brackets or a host name; the port may be `*` or 0 for an
 * ephemeral one on bind. A connect may name a source: "tcp://src:port;dst:port".
 */
export function parseEndpoint(raw: string, forBind: boolean, socketType?: string): Endpoint {
  if (typeof raw !== "string") throw zmqError("EINVAL", "Address must be a string")
  const sep = raw.indexOf("://")
  if (sep <= 0) throw zmqError("EINVAL", "Invalid argument", raw)
  const transport = raw.slice(0, sep)
  const rest = raw.slice(sep + 3)
  switch (transport) {
    case "tcp": {
      let target = rest
      let source: { host: string; port: number } | undefined
      const semi = rest.indexOf(";")
      if (semi >= 0 && !forBind) {
        source = splitHostPort(rest.slice(0, semi), true, raw, "accept")
        target = rest.slice(semi + 1)
      }
      // libzmq resolves a connect's hosts only when it dials; an empty one then fails every attempt (stream.ts).
      const { host, port } = splitHostPort(target, forBind, raw, forBind ? "ENODEV" : "accept")
      if (!forBind && host === "*") throw zmqError("EINVAL", "Invalid argument", raw)
      return source ? { transport, host, port, raw, source } : { transport, host, port, raw }
    }
    case "ipc": {
      if (rest.length === 0) throw zmqError("EINVAL", "Invalid argument", raw)
      // Linux abstract namespace: libzmq maps a leading '@' to a NUL byte.
      const path = rest.startsWith("@") ? "\0" + rest.slice(1) : rest
      if (Buffer.byteLength(path) > 107) throw zmqError("ENAMETOOLONG", "File name too long", raw)
      return { transport, path, raw }
    }
    case "inproc":
      if (rest.length === 0) throw zmqError("EINVAL", "Invalid argument", raw)
      return { transport, name: rest, raw }
    case "udp":
      // RADIO/DISH and DGRAM (draft). libzmq refuses other socket types before it looks at the address.
      if (socketType !== undefined) checkUdpType(socketType, forBind, raw)
      return parseUdp(rest, forBind, raw)
    case "ws":
    case "wss": {
      // libzmq's ws_address_t: "host:port" then the request path, "/" when absent.
      // The host cannot hold a '/', so the path starts at the first one.
      const slash = rest.indexOf("/")
      const hostPort = slash < 0 ? rest : rest.slice(0, slash)
      const path = slash < 0 ? "/" : rest.slice(slash)
      const { host, port } = splitHostPort(hostPort, forBind, raw, forBind ? "ENODEV" : "EINVAL")
      if (!forBind && host === "*") throw zmqError("EINVAL", "Invalid argument", raw)
      return { transport, host, port, path, raw }
    }
    case "epgm":
      return parseEpgm(rest, raw, socketType)
    case "pgm":
      // PGM straight over IP (protocol 113) needs a raw socket, which Node cannot open; epgm:// is PGM
      // over UDP. The message stays zeromq.js's own (a drop-in's errors match; README says why).
      throw zmqError("EPROTONOSUPPORT", "Protocol not supported", raw)
    case "tipc":
    case "vmci":
    case "norm":
      throw zmqError("EPROTONOSUPPORT", "Protocol not supported", raw)
    default:
      throw zmqError("EPROTONOSUPPORT", "Protocol not supported", raw)
  }
}

const KNOWN_TRANSPORTS = new Set(["tcp", "ipc", "inproc", "ws", "wss", "epgm"])

/**
 * What libzmq checks of an address before looking it up (unbind, disconnect):
 * "transport://address" with neither part empty (EINVAL), and a transport
 * it was built with (EPROTONOSUPPORT).
 */
export function checkUri(raw: string): void {
  const sep = raw.indexOf("://")
  if (sep <= 0 || sep + 3 >= raw.length) throw zmqError("EINVAL", undefined, raw)
  if (!KNOWN_TRANSPORTS.has(raw.slice(0, sep))) throw zmqError("EPROTONOSUPPORT", undefined, raw)
}

/** First octet 224 to 239 (RFC 5771's 224.0.0.0/4), as libzmq's ip_addr_t::is_multicast tests it. */
export function isIPv4Multicast(host: string): boolean {
  if (!isIPv4(host)) return false
  const first = Number(host.slice(0, host.indexOf(".")))
  return first >= 224 && first <= 239
}

/**
 * libzmq 4.3 (udp_address.cpp): the last ';' separates a source from the
 * target. The source must not be multicast, and a target after a source must
 * be (both EINVAL). IPv6 multicast needs an interface index zmq-ts does not
 * resolve, so it is refused here rather than joined on a guessed interface.
 */
function parseUdp(rest: string, forBind: boolean, raw: string): UdpEndpoint {
  const semi = rest.lastIndexOf(";")
  const source = semi >= 0 ? rest.slice(0, semi) : undefined
  const { host, port } = splitHostPort(semi >= 0 ? rest.slice(semi + 1) : rest, forBind, raw, forBind ? "ENODEV" : "EINVAL")
  if (!forBind && (host === "*" || port === 0)) throw zmqError("EINVAL", "Invalid argument", raw)
  const multicast = isIPv4Multicast(host)
  if (source !== undefined && (source.length === 0 || isIPv4Multicast(source) || !multicast)) throw zmqError("EINVAL", "Invalid argument", raw)
  if (isIPv6(host) && /^ff/i.test(host)) throw zmqError("ENODEV", "No such device", raw)
  const endpoint: UdpEndpoint = { transport: "udp", host, port, raw }
  if (source !== undefined) endpoint.source = source
  if (multicast) endpoint.multicast = true
  return endpoint
}

/** The socket types libzmq lets bind (DISH, DGRAM) or connect (RADIO) a udp:// endpoint: ENOCOMPATPROTO for others. */
export function checkUdpType(socketType: string, forBind: boolean, raw: string): void {
  const ok = forBind ? socketType === "DISH" || socketType === "DGRAM" : socketType === "RADIO"
  if (!ok) throw zmqError("ENOCOMPATPROTO", undefined, raw)
}

/** `empty`: what an empty host gives; a bind takes the host as an interface name (or address), and there is no interface "". */
function splitHostPort(s: string, allowWildcard: boolean, raw: string, empty: "ENODEV" | "EINVAL" | "accept"): { host: string; port: number } {
  const colon = s.lastIndexOf(":")
  if (colon < 0) throw zmqError("EINVAL", "Invalid argument", raw)
  let host = s.slice(0, colon)
  const portText = s.slice(colon + 1)
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
  // libzmq accepts an interface zone suffix ("fe80::1%eth0") as part of the host.
  if (host.length === 0 && empty === "ENODEV") throw zmqError("ENODEV", "No such device", raw)
  if (host.length === 0 && empty === "EINVAL") throw zmqError("EINVAL", "Invalid argument", raw)
  let port: number
  if (portText === "*") {
    if (!allowWildcard) throw zmqError("EINVAL", "Invalid argument", raw)
    port = 0
  } else if (portText === "0") {
    // libzmq takes port 0 for a connect too; the connection then fails and retries.
    port = 0
  } else {
    // libzmq parses the port with atoi() into 16 bits; 0 is not a port.
    const digits = /^\s*[+-]?\d+/.exec(portText)
    port = digits === null ? 0 : Number(digits[0]) & 0xffff
    if (port === 0) throw zmqError("EINVAL", "Invalid argument", raw)
  }
  return { host, port }
}

/** Formats a tcp endpoint as libzmq reports it in ZMQ_LAST_ENDPOINT. */
export function formatTcp(host: string, port: number): string {
  return host.includes(":") ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`
}
