/**
 * udp:// as libzmq 4.3 has it (udp_engine_t): no connection and no
 * handshake, one pipe per bound or connected endpoint, one message per
 * datagram. Only three socket types may use it (libzmq answers
 * ENOCOMPATPROTO otherwise):
 *
 * - RADIO connects: each message [group, body] becomes one datagram
 *   `group-length (1 octet) | group | body`, sent whatever the groups joined
 *   (there is no JOIN over udp; libzmq's "subscribe to all" pipe): RFC 48,
 *   RADIO, "MAY, depending on the transport, send all messages to all dishes".
 * - DISH binds: each datagram is parsed back into [group, body]; a datagram
 *   whose group length runs past its end is dropped. JOIN/LEAVE stay local,
 *   and the DISH filters what arrives (RFC 48, DISH: "MAY, depending on the
 *   transport, filter messages according to group membership").
 * - DGRAM binds: a datagram arrives as [sender "ip:port\0", body]; a message
 *   [address "ip:port", body] is sent as a datagram holding the body.
 *
 * UDP is lossy: a datagram finding the inbound queue full is dropped (RFC 48,
 * DISH: "SHALL silently discard messages if the queue for a radio is full").
 * With multicast, one datagram reaches every member: the group fan-out is
 * the network's, not the RADIO's.
 *
 * Multicast (IPv4 224.0.0.0/4), as libzmq's udp_engine_t::plug does it:
 * `udp://group:port` or `udp://source;group:port`, the source being an
 * IPv4 address, an interface name or `*` (src/transport/address.ts).
 * - A DISH (or DGRAM) binding a group binds ANY:port with SO_REUSEADDR, so
 *   that several members on one host share the port, and joins the group
 *   (IP_ADD_MEMBERSHIP) on the source's interface, else the kernel's choice.
 * - A RADIO connecting to a group sets IP_MULTICAST_LOOP (multicastLoop),
 *   IP_MULTICAST_TTL (multicastHops) and, with a source, IP_MULTICAST_IF.
 *   Node sets these only on a bound socket, so it binds an ephemeral port
 *   first (the kernel would on the first sendto) and sends once bound.
 */
import * as dgram from "node:dgram"
import { isIPv4, isIPv6 } from "node:net"
import { networkInterfaces } from "node:os"
import { zmqError } from "../errors.js"
import type { Msg, Pipe, PipePeer } from "../pipe.js"
import { GROUP_MAX_LENGTH, groupCommandOf } from "../sockets/draft-common.js"
import type { Socket } from "../sockets/socket-base.js"
import type { OptionValues } from "../sockets/option-table.js"
import { checkUdpType, type UdpEndpoint } from "./address.js"
import type { EndpointHandle } from "./transport.js"

/** The part after udp://, which libzmq reports as ZMQ_LAST_ENDPOINT for udp (without the scheme). */
function lastEndpointOf(endpoint: UdpEndpoint): string {
  return endpoint.raw.slice("udp://".length)
}

class UdpLink implements PipePeer, EndpointHandle {
  readonly endpoint: string
  private readonly pipe: Pipe
  private readonly socket: Socket
  private readonly udp: dgram.Socket
  private readonly target: { host: string; port: number } | null
  private flushScheduled = false
  private closed = false
  /** False while a multicast RADIO's socket is still binding: what is queued waits for it. */
  private ready = true

  constructor(socket: Socket, udp: dgram.Socket, endpoint: UdpEndpoint, target: { host: string; port: number } | null) {
    this.socket = socket
    this.udp = udp
    this.target = target
    this.endpoint = lastEndpointOf(endpoint)
    this.pipe = socket.newPipe(endpoint.raw)
    this.pipe.handshakes = 1
    udp.on("message", (data, rinfo) => this.onDatagram(data, rinfo))
    udp.on("error", () => undefined)
    this.pipe.attachPeer(this)
    socket.attachPipe(this.pipe)
  }

  readonly busy = false

  private onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return
    let msg: Msg
    if (this.socket.typeName === "DISH") {
      const length = data[0]
      if (length === undefined || length > GROUP_MAX_LENGTH || 1 + length > data.length) return
      msg = [data.subarray(1, 1 + length), data.subarray(1 + length)]
    } else if (this.socket.typeName === "DGRAM") {
      msg = [Buffer.from(`${rinfo.address}:${rinfo.port}\0`), data]
    } else {
      return
    }
    const inbound = this.pipe.inbound
    if (inbound.checkWrite()) inbound.push(msg)
  }

  outboundReady(): void {
    if (this.flushScheduled || this.closed) return
    this.flushScheduled = true
    setImmediate(() => this.flush())
  }

  /** The socket is bound (and its multicast options set): sends what waited. */
  markReady(): void {
    this.ready = true
    this.outboundReady()
  }

  markBinding(): void {
    this.ready = false
  }

  private flush(): void {
    this.flushScheduled = false
    if (!this.ready) return
    for (let msg = this.pipe.outbound.read(); msg !== undefined; msg = this.pipe.outbound.read()) {
      if (this.closed) return
      if (groupCommandOf(msg) !== undefined || msg.length !== 2) continue
      const [head, body] = msg as [Buffer, Buffer]
      if (this.socket.typeName === "RADIO" && this.target !== null) {
        const datagram = Buffer.concat([Buffer.of(head.length), head, body])
        this.udp.send(datagram, this.target.port, this.target.host)
      } else if (this.socket.typeName === "DGRAM") {
        const to = parseAddress(head)
        if (to !== null) this.udp.send(body, to.port, to.host)
      }
    }
  }

  inboundDrained(): void {}

  pipeClosed(): void {
    void this.close(0)
  }

  close(_linger: number): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.flush()
    this.closed = true
    this.pipe.detachPeer()
    this.pipe.terminate()
    return new Promise((resolve) => this.udp.close(() => resolve()))
  }
}

/** "ip:port" (an optional trailing zero byte, as received addresses have), or null. */
function parseAddress(frame: Buffer): { host: string; port: number } | null {
  const text = frame.toString("latin1").replace(/\0$/, "")
  const colon = text.lastIndexOf(":")
  if (colon <= 0) return null
  const port = Number(text.slice(colon + 1))
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return null
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, ""), port }
}

function udpSocket(host: string, reuseAddr = false): dgram.Socket {
  return dgram.createSocket({ type: isIPv6(host) ? "udp6" : "udp4", reuseAddr })
}

/**
 * The IPv4 address of a multicast endpoint's source, or null for "any" (no
 * source, or `*`). As libzmq's ip_resolver with allow_nic_name and no DNS:
 * an IPv4 literal, else the first IPv4 address of the interface so named;
 * an unknown name is ENODEV.
 */
function sourceAddress(endpoint: UdpEndpoint): string | null {
  const source = endpoint.source
  if (source === undefined || source === "*" || source === "0.0.0.0") return null
  if (isIPv4(source)) return source
  const found = networkInterfaces()[source]?.find((a) => a.family === "IPv4")
  if (found === undefined) throw zmqError("ENODEV", undefined, endpoint.raw)
  return found.address
}

function bindError(err: NodeJS.ErrnoException, endpoint: UdpEndpoint): Error {
  return err.code === "EADDRINUSE" ? zmqError("EADDRINUSE", undefined, endpoint.raw) : zmqError("EINVAL", err.message, endpoint.raw)
}

/** ZMQ_SNDBUF/ZMQ_RCVBUF (-1: the kernel's default), which node:dgram can set on a bound socket. */
function applyBufferSizes(udp: dgram.Socket, opts: Readonly<OptionValues>): void {
  if (opts.sendBufferSize >= 0) udp.setSendBufferSize(Math.max(1, opts.sendBufferSize))
  if (opts.receiveBufferSize >= 0) udp.setRecvBufferSize(Math.max(1, opts.receiveBufferSize))
}

export async function bindUdp(socket: Socket, endpoint: UdpEndpoint, opts: Readonly<OptionValues>): Promise<EndpointHandle> {
  checkUdpType(socket.typeName, true, endpoint.raw)
  const multicast = endpoint.multicast === true
  const iface = multicast ? sourceAddress(endpoint) : null
  // A group is received on ANY:port, never on the group's address; the interface goes in the membership.
  const host = multicast || endpoint.host === "*" ? "0.0.0.0" : endpoint.host
  const udp = udpSocket(host, multicast)
  await new Promise<void>((resolve, reject) => {
    udp.once("error", (err: NodeJS.ErrnoException) => reject(bindError(err, endpoint)))
    udp.bind(endpoint.port, host, () => resolve())
  })
  if (multicast) {
    try {
      if (iface === null) udp.addMembership(endpoint.host)
      else udp.addMembership(endpoint.host, iface)
    } catch (err) {
      // libzmq fails the engine asynchronously; refusing the bind says why (e.g. no multicast route).
      udp.close()
      throw zmqError("ENODEV", `addMembership(${endpoint.host}): ${(err as Error).message}`, endpoint.raw)
    }
  }
  applyBufferSizes(udp, opts)
  return new UdpLink(socket, udp, endpoint, null)
}

export function connectUdp(socket: Socket, endpoint: UdpEndpoint, opts: Readonly<OptionValues>): EndpointHandle {
  checkUdpType(socket.typeName, false, endpoint.raw)
  const iface = endpoint.multicast === true ? sourceAddress(endpoint) : null
  const udp = udpSocket(endpoint.host)
  const link = new UdpLink(socket, udp, endpoint, { host: endpoint.host, port: endpoint.port })
  if (endpoint.multicast !== true) {
    if (opts.sendBufferSize >= 0 || opts.receiveBufferSize >= 0) {
      // Buffer sizes need a bound socket: bind now to the port the first send
      // would have picked (sends queue meanwhile inside node:dgram).
      udp.bind(0, () => {
        try {
          applyBufferSizes(udp, opts)
        } catch {
          // Closed before the bind completed: nothing left to tune.
        }
      })
    }
    return link
  }
  // The endpoint's snapshot, as libzmq copies a socket's options into each new engine.
  const { multicastLoop, multicastHops } = opts
  link.markBinding()
  udp.bind(0, () => {
    try {
      udp.setMulticastLoopback(multicastLoop)
      udp.setMulticastTTL(multicastHops)
      if (iface !== null) udp.setMulticastInterface(iface)
      applyBufferSizes(udp, opts)
    } catch {
      // E.g. a source address no interface has, or hops above 255: libzmq's engine fails on the
      // same setsockopt and sends nothing; here the link stays unready and RADIO drops at its HWM.
      return
    }
    link.markReady()
  })
  return link
}
