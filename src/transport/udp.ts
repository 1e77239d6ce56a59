/**
 * udp:// as libzmq 4.3 has it (udp_engine_t): no connection and no
 * handshake, one pipe per bound or connected endpoint, one message per
 * datagram. Only three socket types may use it (libzmq answers
 * ENOCOMPATPROTO otherwise):
 *
 * - RADIO connects: each message [group, body] becomes one datagram
 *   `group-length (1 octet) | group | body`, sent whatever the groups joined
 *   (there is no JOIN over udp; libzmq's "subscribe to all" pipe).
 * - DISH binds: each datagram is parsed back into [group, body]; a datagram
 *   whose group length runs past its end is dropped. JOIN/LEAVE stay local.
 * - DGRAM binds: a datagram arrives as [sender "ip:port\0", body]; a message
 *   [address "ip:port", body] is sent as a datagram holding the body.
 *
 * UDP is lossy: a datagram finding the inbound queue full is dropped.
 */
import * as dgram from "node:dgram"
import { isIPv6 } from "node:net"
import { zmqError } from "../errors.js"
import type { Msg, Pipe, PipePeer } from "../pipe.js"
import { GROUP_MAX_LENGTH, groupCommandOf } from "../sockets/draft-common.js"
import type { Socket } from "../sockets/socket-base.js"
import type { OptionValues } from "../sockets/option-table.js"
import type { Endpoint } from "./address.js"
import type { EndpointHandle } from "./transport.js"

type UdpEndpoint = Extract<Endpoint, { transport: "udp" }>

function checkType(socket: Socket, bind: boolean, address: string): void {
  const type = socket.typeName
  const ok = bind ? type === "DISH" || type === "DGRAM" : type === "RADIO"
  if (!ok) throw zmqError("ENOCOMPATPROTO", undefined, address)
}

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

  private flush(): void {
    this.flushScheduled = false
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

function udpSocket(host: string): dgram.Socket {
  return dgram.createSocket({ type: isIPv6(host) ? "udp6" : "udp4", reuseAddr: false })
}

/** ZMQ_SNDBUF/ZMQ_RCVBUF (-1: the kernel's default), which node:dgram can set on a bound socket. */
function applyBufferSizes(udp: dgram.Socket, opts: Readonly<OptionValues>): void {
  if (opts.sendBufferSize >= 0) udp.setSendBufferSize(Math.max(1, opts.sendBufferSize))
  if (opts.receiveBufferSize >= 0) udp.setRecvBufferSize(Math.max(1, opts.receiveBufferSize))
}

export async function bindUdp(socket: Socket, endpoint: UdpEndpoint, opts: Readonly<OptionValues>): Promise<EndpointHandle> {
  checkType(socket, true, endpoint.raw)
  const host = endpoint.host === "*" ? "0.0.0.0" : endpoint.host
  const udp = udpSocket(host)
  await new Promise<void>((resolve, reject) => {
    udp.once("error", (err: NodeJS.ErrnoException) => reject(err.code === "EADDRINUSE" ? zmqError("EADDRINUSE", undefined, endpoint.raw) : zmqError("EINVAL", err.message, endpoint.raw)))
    udp.bind(endpoint.port, host, () => resolve())
  })
  applyBufferSizes(udp, opts)
  return new UdpLink(socket, udp, endpoint, null)
}

export function connectUdp(socket: Socket, endpoint: UdpEndpoint, opts: Readonly<OptionValues>): EndpointHandle {
  checkType(socket, false, endpoint.raw)
  const udp = udpSocket(endpoint.host)
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
  return new UdpLink(socket, udp, endpoint, { host: endpoint.host, port: endpoint.port })
}
