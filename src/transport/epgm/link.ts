/**
 * epgm:// (PGM over UDP) for PUB/XPUB (a PGM source) and SUB/XSUB (PGM
 * receivers), as libzmq 4.3 runs it over OpenPGM (pgm_socket.cpp,
 * pgm_sender.cpp, pgm_receiver.cpp):
 *
 * - bind and connect do the same (libzmq: "bind can be used interchangeably
 *   with connect for PGM"); one pipe per endpoint, no handshake.
 * - UDP encapsulation on the endpoint's port for both the multicast and the
 *   unicast side (libzmq sets PGM_UDP_ENCAP_UCAST_PORT and _MCAST_PORT to
 *   it): one socket bound to ANY:port with SO_REUSEADDR, joined to the group
 *   on the interface, sending on it with TTL multicastHops and multicast
 *   loop off (libzmq 4.3 turns PGM_MULTICAST_LOOP off whatever the options).
 *   NAKs go unicast to the source's NLA (from its SPMs) at that port.
 * - A publisher's pipe is subscribed to everything (libzmq attaches PGM pipes
 *   with subscribe_to_all); a subscriber filters on its side and its
 *   subscriptions are dropped (pgm_receiver drop_subscriptions).
 * - When the socket's queue reaches its high-water mark, delivery stops and
 *   the receive window holds what arrives (receiver.ts `gate`), as libzmq
 *   stops reading OpenPGM's window; past the window it is NAKed again later,
 *   or lost (a reset) once the source no longer has it.
 */
import * as dgram from "node:dgram"
import { randomBytes, randomInt } from "node:crypto"
import { isIPv4 } from "node:net"
import { networkInterfaces } from "node:os"
import { performance } from "node:perf_hooks"
import { zmqError } from "../../errors.js"
import type { Msg, Pipe, PipePeer } from "../../pipe.js"
import type { OptionValues } from "../../sockets/option-table.js"
import type { Socket } from "../../sockets/socket-base.js"
import type { EndpointHandle } from "../transport.js"
import { checkEpgmType, type EpgmEndpoint } from "./address.js"
import { ApduDecoder, ApduEncoder } from "./framing.js"
import { decodePacket } from "./packet.js"
import { PgmReceivers } from "./receiver.js"
import { PgmSource, windowSqns } from "./sender.js"

/** OpenPGM's MSS for UDP encapsulation: the TPDU less IPv4 (20), UDP (8), PGM (16) and data (8) headers and OPT_FRAGMENT room (20). */
export function maxTsdu(maxTpdu: number): number {
  return maxTpdu - 72
}

class EpgmLink implements PipePeer, EndpointHandle {
  readonly endpoint: string
  readonly busy = false
  private readonly pipe: Pipe
  private readonly udp: dgram.Socket
  private readonly group: string
  private readonly port: number
  private readonly source: PgmSource | null
  private readonly encoder: ApduEncoder | null
  private readonly receivers: PgmReceivers | null
  private readonly decoders = new Map<string, ApduDecoder>()
  private readonly maxMessageSize: number
  private pendingApdu: Buffer | null = null
  private timer: NodeJS.Timeout | null = null
  private timerAt = Infinity
  private ready = false
  private closed = false
  private pumping = false
  private lingering: { resolve: () => void; timer: NodeJS.Timeout | null } | null = null
  /** Packets that failed to parse. */
  readonly counters = { invalid: 0 }

  constructor(socket: Socket, endpoint: EpgmEndpoint, opts: Readonly<OptionValues>) {
    checkEpgmType(socket.typeName, endpoint.raw)
    if (opts.rate <= 0) throw zmqError("EINVAL", "rate must be positive", endpoint.raw)
    const tsdu = maxTsdu(opts.multicastMaxTransportDataUnit)
    if (tsdu < 16) throw zmqError("EINVAL", "multicastMaxTransportDataUnit too small for PGM", endpoint.raw)
    const nla = interfaceAddress(endpoint)
    this.endpoint = endpoint.raw
    this.group = endpoint.group
    this.port = endpoint.port
    this.maxMessageSize = opts.maxMessageSize
    const sending = socket.typeName === "PUB" || socket.typeName === "XPUB"
    const now = performance.now()
    if (sending) {
      const cfg = { gsi: randomBytes(6), sport: randomInt(1, 0x10000), dport: this.port, nla, group: this.group, rate: opts.rate, recoveryInterval: opts.recoveryInterval, maxTpdu: opts.multicastMaxTransportDataUnit }
      this.source = new PgmSource(cfg, now)
      this.encoder = new ApduEncoder(tsdu)
      this.receivers = null
    } else {
      this.source = null
      this.encoder = null
      const rxwSqns = windowSqns(opts.rate, opts.recoveryInterval, opts.multicastMaxTransportDataUnit)
      this.receivers = new PgmReceivers({ dport: this.port, group: this.group, rxwSqns, random: Math.random, gate: () => this.deliverable() })
    }
    this.udp = dgram.createSocket({ type: "udp4", reuseAddr: true })
    this.udp.on("message", (data) => this.onDatagram(data))
    this.udp.on("error", () => undefined)
    this.pipe = socket.newPipe(endpoint.raw, opts)
    this.pipe.handshakes = 1
    if (sending) this.pipe.subscribeToAll = true
    this.pipe.attachPeer(this)
    socket.attachPipe(this.pipe)
    const { multicastHops, sendBufferSize, receiveBufferSize } = opts
    this.udp.bind(this.port, "0.0.0.0", () => {
      if (this.closed) return
      try {
        this.udp.addMembership(this.group, nla)
        this.udp.setMulticastInterface(nla)
        this.udp.setMulticastTTL(multicastHops)
        this.udp.setMulticastLoopback(false)
        if (sendBufferSize > 0) this.udp.setSendBufferSize(sendBufferSize)
        if (receiveBufferSize > 0) this.udp.setRecvBufferSize(receiveBufferSize)
      } catch {
        // libzmq's engine fails the same way (no route, no such address): nothing is sent or received.
        return
      }
      this.ready = true
      if (this.source !== null) this.sendAll(this.source.start())
      this.pump()
    })
  }

  private sendAll(packets: Buffer[]): void {
    for (const p of packets) this.udp.send(p, this.port, this.group)
  }

  private onDatagram(data: Buffer): void {
    if (this.closed) return
    const p = decodePacket(data)
    if (p.type === "invalid") {
      this.counters.invalid++
      return
    }
    if (this.source !== null) {
      if (p.type === "nak" || p.type === "spmr") this.sendAll(this.source.onUpstream(p, performance.now()))
    } else if (this.receivers !== null) {
      this.receivers.onPacket(p, performance.now())
    }
    this.pump()
  }

  outboundReady(): void {
    if (this.source !== null) this.pump()
    else this.dropSubscriptions()
  }

  inboundDrained(): void {
    if (this.closed || this.receivers === null) return
    this.receivers.resume()
    this.pump()
  }

  /** Decodes what was handed over so far; true while the socket's queue has room for more. */
  private deliverable(): boolean {
    this.decodeEvents()
    return this.pipe.inbound.checkWrite()
  }

  /** What a subscriber's socket queues (its subscriptions) has no one to go to. */
  private dropSubscriptions(): void {
    while (this.pipe.outbound.read() !== undefined);
  }

  /** Does what is due: repairs, new data within the rate, SPMs, NAKs; then sets the timer. */
  private pump(): void {
    if (!this.ready || this.closed || this.pumping) return
    this.pumping = true
    try {
      const now = performance.now()
      let wakeAt = Infinity
      if (this.source !== null) wakeAt = this.pumpSource(now)
      if (this.receivers !== null) wakeAt = this.pumpReceivers(now)
      this.arm(wakeAt)
    } finally {
      this.pumping = false
    }
    if (this.lingering !== null && this.drained()) this.finish()
  }

  private pumpSource(now: number): number {
    const source = this.source!
    let wakeAt = Infinity
    for (let rdata = source.nextRepair(now); rdata !== null; rdata = source.nextRepair(now)) this.udp.send(rdata, this.port, this.group)
    if (source.repairing) wakeAt = now + Math.max(1, source.delayFor(this.pendingApdu?.length ?? 64, now))
    while (!source.repairing) {
      this.pendingApdu ??= this.encoder!.next(() => this.pipe.outbound.read())
      if (this.pendingApdu === null) break
      const delay = source.delayFor(this.pendingApdu.length, now)
      if (delay > 0) {
        wakeAt = Math.min(wakeAt, now + delay)
        break
      }
      this.udp.send(source.sendOdata(this.pendingApdu, now), this.port, this.group)
      this.pendingApdu = null
    }
    this.sendAll(source.poll(now))
    return Math.min(wakeAt, source.nextDeadline)
  }

  private pumpReceivers(now: number): number {
    const rx = this.receivers!
    rx.poll(now)
    for (const out of rx.outbox.splice(0)) this.udp.send(out.packet, this.port, out.to === "group" ? this.group : out.to)
    this.decodeEvents()
    return rx.nextDeadline ?? Infinity
  }

  /** Each source's APDUs into messages, queued for the socket (the gate keeps the queue near its high-water mark). */
  private decodeEvents(): void {
    const rx = this.receivers!
    if (rx.events.length === 0) return
    const msgs: Msg[] = []
    for (const ev of rx.events.splice(0)) {
      let decoder = this.decoders.get(ev.tsi)
      if (decoder === undefined) {
        if (this.decoders.size >= 64) this.decoders.delete(this.decoders.keys().next().value!)
        decoder = new ApduDecoder(this.maxMessageSize)
        this.decoders.set(ev.tsi, decoder)
      }
      if (ev.kind === "reset") decoder.reset()
      else decoder.push(ev.apdu, msgs)
    }
    // Past the high-water mark by at most one APDU's messages: the gate stops delivery before the next.
    for (const msg of msgs) this.pipe.inbound.push(msg)
  }

  private arm(at: number): void {
    if (at === Infinity || at >= this.timerAt) return
    if (this.timer !== null) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = null
      this.timerAt = Infinity
      this.pump()
    }, Math.max(0, at - performance.now()))
  }

  private drained(): boolean {
    return this.pendingApdu === null && this.pipe.outbound.length === 0 && this.encoder?.pending !== true
  }

  pipeClosed(): void {
    void this.close(0)
  }

  /** A source sends what is queued within `linger` ms (-1: no limit), then SPMs with OPT_FIN. */
  close(linger: number): Promise<void> {
    if (this.closed || this.lingering !== null) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = linger > 0 ? setTimeout(() => this.finish(), linger) : null
      this.lingering = { resolve, timer }
      if (linger === 0 || !this.ready || this.drained()) this.finish()
      else this.pump()
    })
  }

  private finish(): void {
    if (this.closed) return
    if (this.ready && this.source !== null) this.sendAll(this.source.finish())
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    const lingering = this.lingering
    if (lingering?.timer != null) clearTimeout(lingering.timer)
    this.pipe.detachPeer()
    this.pipe.terminate()
    this.udp.close(() => lingering?.resolve())
  }
}

export function connectEpgm(socket: Socket, endpoint: EpgmEndpoint, opts: Readonly<OptionValues>): EndpointHandle {
  return new EpgmLink(socket, endpoint, opts)
}

export function bindEpgm(socket: Socket, endpoint: EpgmEndpoint, opts: Readonly<OptionValues>): Promise<EndpointHandle> {
  return Promise.resolve(new EpgmLink(socket, endpoint, opts))
}

/**
 * The IPv4 address of the endpoint's interface: the literal, the named
 * interface's first IPv4 address, or (none given) the first non-internal
 * IPv4 address. ENODEV when there is none (OpenPGM fails the same way).
 */
export function interfaceAddress(endpoint: EpgmEndpoint): string {
  const nics = networkInterfaces()
  const iface = endpoint.iface
  if (iface !== null && isIPv4(iface)) return iface
  const candidates = iface !== null ? (nics[iface] ?? []) : Object.values(nics).flatMap((list) => (list ?? []).filter((a) => !a.internal))
  const found = candidates.find((a) => a.family === "IPv4")
  if (found === undefined) throw zmqError("ENODEV", undefined, endpoint.raw)
  return found.address
}
