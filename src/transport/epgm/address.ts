/**
 * epgm:// endpoints as libzmq passes them to OpenPGM (pgm_socket.cpp
 * init_address): `interface;group:port`, the port after the last ':'. Of
 * OpenPGM's network syntax this takes one interface (an IPv4 address or an
 * interface name, or nothing for the first non-loopback IPv4 interface) and
 * one IPv4 multicast group, which serves to receive and to send. No Node
 * module here: the browser build parses addresses too (link.ts finds the
 * interface).
 */
import { isIPv4 } from "node:net"
import { zmqError } from "../../errors.js"

export interface EpgmEndpoint {
  transport: "epgm"
  /** The interface as written (address or name), or null. */
  iface: string | null
  group: string
  port: number
  raw: string
}

/** libzmq (socket_base.cpp check_protocol): PGM serves only PUB, XPUB, SUB and XSUB. */
const PGM_TYPES = new Set(["PUB", "XPUB", "SUB", "XSUB"])

export function checkEpgmType(socketType: string, raw: string): void {
  if (!PGM_TYPES.has(socketType)) throw zmqError("ENOCOMPATPROTO", undefined, raw)
}

function isMulticast(host: string): boolean {
  if (!isIPv4(host)) return false
  const first = Number(host.slice(0, host.indexOf(".")))
  return first >= 224 && first <= 239
}

/** Parses the part after "epgm://"; libzmq reports a bad network as EINVAL. */
export function parseEpgm(rest: string, raw: string, socketType?: string): EpgmEndpoint {
  if (socketType !== undefined) checkEpgmType(socketType, raw)
  const colon = rest.lastIndexOf(":")
  if (colon < 0) throw zmqError("EINVAL", "Invalid argument", raw)
  const portText = rest.slice(colon + 1)
  const port = /^\d+$/.test(portText) ? Number(portText) : 0
  if (port <= 0 || port > 65535) throw zmqError("EINVAL", "Invalid argument", raw)
  const network = rest.slice(0, colon)
  const semi = network.lastIndexOf(";")
  const iface = semi >= 0 ? network.slice(0, semi) : ""
  const group = semi >= 0 ? network.slice(semi + 1) : network
  // OpenPGM also takes several groups and IPv6; only one IPv4 group is supported here.
  if (!isMulticast(group) || iface.includes(";") || iface.includes(",")) throw zmqError("EINVAL", "Invalid argument", raw)
  return { transport: "epgm", iface: iface.length > 0 ? iface : null, group, port, raw }
}
