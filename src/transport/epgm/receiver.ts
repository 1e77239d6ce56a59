/**
 * PGM receivers (RFC 3208 §6.3, §7), sans I/O: one receive window per
 * source (TSI = GSI + source port). The caller feeds decoded packets and the
 * clock (`now`, ms), sends what `outbox` collects and reads `events`: each
 * source's APDUs in sequence order, and a "reset" where data was lost for
 * good (libzmq's pgm_receiver then drops the partial message and rejoins at
 * the next message start).
 *
 * Timings and retry counts are libzmq 4.3's (pgm_socket.cpp): NAK back-off
 * 50 ms, NCF wait 200 ms, RDATA wait 200 ms, 50 retries of each, SPMR after
 * 25 ms. A window starts where the source is when we first hear it (the SPM's
 * lead + 1, or the first data packet): earlier data is not asked for.
 *
 * Loss is unrecoverable when the source's trailing edge passes a missing
 * sequence number, or when the retries run out. A data packet more than a
 * window (rate / 8 * recoveryInterval / maxTpdu packets, as libzmq sizes
 * OpenPGM's) beyond what we can deliver is dropped, so memory stays bounded
 * whatever sequence numbers a forged packet carries. PGM has no
 * authentication: a forged trailing edge can still make a receiver give data
 * up (a reset), never deliver a corrupted message.
 */
import { encodeNak, encodeSpmr, sqnAdd, sqnDiff, MAX_NAK_LIST, type PgmHeader, type PgmPacket } from "./packet.js"

export interface ReceiverConfig {
  /** Data-destination port. */
  dport: number
  group: string
  /** Receive window, packets. */
  rxwSqns: number
  /** A number in [0, 1), for NAK back-off. */
  random: () => number
  nakBackoff?: number
  nakRepeat?: number
  nakRdataWait?: number
  nakDataRetries?: number
  nakNcfRetries?: number
  spmrExpiry?: number
  /**
   * Asked before each APDU is handed over: false holds delivery (the
   * application's queue is full) until resume(). What arrives meanwhile waits
   * in the receive window, and past it is dropped, to be NAKed later or lost,
   * as libzmq's pgm_receiver stops reading OpenPGM's window at the high-water mark.
   */
  gate?: () => boolean
}

export type ReceiverEvent = { kind: "data"; tsi: string; apdu: Buffer } | { kind: "reset"; tsi: string }

interface Nak {
  state: "backoff" | "wait-ncf" | "wait-data"
  at: number
  ncfRetries: number
  dataRetries: number
}

interface Peer {
  tsi: string
  header: PgmHeader
  nla: string | null
  spmSqn: number | null
  /** Next sqn to deliver, and the highest seen. */
  next: number
  lead: number
  data: Map<number, Buffer>
  naks: Map<number, Nak>
  lost: Set<number>
  spmrAt: number | null
}

export function tsiOf(h: PgmHeader): string {
  return `${h.gsi.toString("hex")}.${h.sport}`
}

export class PgmReceivers {
  /** `to`: "group" for the multicast group, else the unicast address (a source's NLA). */
  readonly outbox: { packet: Buffer; to: string }[] = []
  readonly events: ReceiverEvent[] = []
  readonly stats = { naksSent: 0, ncfs: 0, rdata: 0, odata: 0, resets: 0, invalid: 0 }
  private readonly peers = new Map<string, Peer>()
  private readonly cfg: Required<ReceiverConfig>
  /** Sources we keep at once; a flood of forged TSIs ages out the oldest. */
  private readonly maxPeers = 64
  /**
   * No timer is due before this (it may be early, never late): set as timers
   * are armed, recomputed by poll(), so that a packet costs no scan of every
   * pending NAK (under heavy loss that scan per packet starved the receiver).
   */
  private soonestAt = Infinity

  private schedule(at: number): number {
    if (at < this.soonestAt) this.soonestAt = at
    return at
  }

  constructor(cfg: ReceiverConfig) {
    this.cfg = { nakBackoff: 50, nakRepeat: 200, nakRdataWait: 200, nakDataRetries: 50, nakNcfRetries: 50, spmrExpiry: 25, gate: () => true, ...cfg }
  }

  private peerFor(h: PgmHeader, now: number, nla: string | null): Peer {
    const tsi = tsiOf(h)
    let peer = this.peers.get(tsi)
    if (peer === undefined) {
      if (this.peers.size >= this.maxPeers) this.peers.delete(this.peers.keys().next().value!)
      peer = { tsi, header: { sport: h.sport, dport: h.dport, gsi: Buffer.from(h.gsi) }, nla, spmSqn: null, next: 0, lead: 0, data: new Map(), naks: new Map(), lost: new Set(), spmrAt: null }
      // Without an SPM we cannot NAK: ask for one (§13.6), unless another receiver does first.
      if (nla === null) peer.spmrAt = this.schedule(now + this.cfg.spmrExpiry)
      this.peers.set(tsi, peer)
    }
    return peer
  }

  /** A downstream packet (SPM, ODATA, RDATA, NCF) or a peer's SPMR. */
  onPacket(p: PgmPacket, now: number): void {
    if (p.header.dport !== this.cfg.dport) return
    switch (p.type) {
      case "odata":
      case "rdata": {
        const existing = this.peers.get(tsiOf(p.header))
        const peer = existing ?? this.peerFor(p.header, now, null)
        if (existing === undefined) {
          peer.next = p.sqn
          peer.lead = sqnAdd(p.sqn, -1)
        }
        if (p.type === "odata") this.stats.odata++
        else this.stats.rdata++
        this.advanceTrail(peer, p.trail)
        this.onData(peer, p.sqn, p.data, now)
        break
      }
      case "spm": {
        const existing = this.peers.get(tsiOf(p.header))
        const peer = existing ?? this.peerFor(p.header, now, p.nla)
        if (existing === undefined) {
          peer.next = sqnAdd(p.lead, 1)
          peer.lead = p.lead
        }
        // §6.3: SPMs arrive in order of their own sequence numbers; an older one says nothing new.
        if (peer.spmSqn !== null && sqnDiff(p.sqn, peer.spmSqn) <= 0) return
        peer.spmSqn = p.sqn
        peer.nla = p.nla
        peer.spmrAt = null
        this.advanceTrail(peer, p.trail)
        // The lead names data we have not seen: it was lost on the way (§6.3), ask for it.
        if (sqnDiff(p.lead, peer.lead) > 0) this.noteGap(peer, sqnAdd(p.lead, 1), now)
        break
      }
      case "ncf": {
        const peer = this.peers.get(tsiOf(p.header))
        if (peer === undefined) return
        this.stats.ncfs++
        for (const sqn of [p.sqn, ...(p.options.nakList ?? [])]) {
          const nak = peer.naks.get(sqn)
          // §6.3: an NCF confirms our NAK, or suppresses the one we were about to send.
          if (nak !== undefined && nak.state !== "wait-data") {
            nak.state = "wait-data"
            nak.at = this.schedule(now + this.cfg.nakRdataWait)
          }
        }
        break
      }
      case "spmr": {
        // Another receiver asked for the SPM we were about to ask for (§13.6: SPMR suppression).
        const peer = this.peers.get(`${p.header.gsi.toString("hex")}.${p.header.dport}`)
        if (peer !== undefined && peer.spmrAt !== null) peer.spmrAt = this.schedule(now + this.cfg.spmrExpiry)
        break
      }
      default:
        break
    }
  }

  /** Records a packet and delivers what is now in order. */
  private onData(peer: Peer, sqn: number, data: Buffer, now: number): void {
    const ahead = sqnDiff(sqn, peer.next)
    if (ahead < 0 || peer.data.has(sqn)) return
    // More than a window beyond delivery: no source of ours sends that while its trail (already
    // applied) is behind us, so it is forged or stale; acting on it would stall the real stream.
    if (ahead >= this.cfg.rxwSqns) return
    peer.data.set(sqn, data)
    peer.naks.delete(sqn)
    peer.lost.delete(sqn)
    if (sqnDiff(sqn, peer.lead) > 0) this.noteGap(peer, sqnAdd(sqn, 1), now, sqn)
    this.deliver(peer)
  }

  /** Sqns between the lead and `upTo` (exclusive) are missing: NAK them after a random back-off. */
  private noteGap(peer: Peer, upTo: number, now: number, received?: number): void {
    // A lead more than a window ahead (a forged SPM): asking for all that could not be answered.
    if (sqnDiff(upTo, peer.next) > this.cfg.rxwSqns) return
    for (let s = sqnAdd(peer.lead, 1); s !== upTo; s = sqnAdd(s, 1)) {
      if (s === received || peer.data.has(s) || peer.naks.has(s)) continue
      peer.naks.set(s, { state: "backoff", at: this.schedule(now + this.backoff()), ncfRetries: 0, dataRetries: 0 })
    }
    peer.lead = sqnAdd(upTo, -1)
  }

  private backoff(): number {
    return this.cfg.random() * this.cfg.nakBackoff
  }

  /** The source can no longer repair what is before `trail`: that is lost (§6.3). */
  private advanceTrail(peer: Peer, trail: number): void {
    if (sqnDiff(trail, peer.next) <= 0) return
    if (sqnDiff(trail, peer.next) > this.cfg.rxwSqns) {
      this.resetPeer(peer, trail)
      return
    }
    for (let s = peer.next; s !== trail; s = sqnAdd(s, 1)) if (!peer.data.has(s)) peer.lost.add(s)
    if (sqnDiff(trail, peer.lead) > 0) peer.lead = sqnAdd(trail, -1)
    this.deliver(peer)
  }

  /** Unrecoverable loss: drop the window and restart it at `from`. */
  private resetPeer(peer: Peer, from: number): void {
    peer.data.clear()
    peer.naks.clear()
    peer.lost.clear()
    peer.next = from
    peer.lead = sqnAdd(from, -1)
    this.stats.resets++
    this.events.push({ kind: "reset", tsi: peer.tsi })
  }

  /** Hands over the packets that are next in order; a lost one resets the stream and is skipped. */
  private deliver(peer: Peer): void {
    for (;;) {
      if (!this.cfg.gate()) return
      const data = peer.data.get(peer.next)
      if (data !== undefined) {
        peer.data.delete(peer.next)
        this.events.push({ kind: "data", tsi: peer.tsi, apdu: data })
      } else if (peer.lost.has(peer.next)) {
        peer.lost.delete(peer.next)
        peer.naks.delete(peer.next)
        this.stats.resets++
        this.events.push({ kind: "reset", tsi: peer.tsi })
      } else {
        return
      }
      peer.next = sqnAdd(peer.next, 1)
      if (sqnDiff(peer.next, peer.lead) > 0) peer.lead = sqnAdd(peer.next, -1)
    }
  }

  /** The gate opened again: hands over what waited. */
  resume(): void {
    for (const peer of this.peers.values()) this.deliver(peer)
  }

  /** Runs the NAK and SPMR timers due by `now`. */
  poll(now: number): void {
    if (now < this.soonestAt) return
    this.soonestAt = Infinity
    for (const peer of this.peers.values()) {
      if (peer.spmrAt !== null && now < peer.spmrAt) this.schedule(peer.spmrAt)
      else if (peer.spmrAt !== null) {
        peer.spmrAt = null
        // Upstream orientation (§8): source port = data-destination port, destination port = TSI's.
        this.outbox.push({ packet: encodeSpmr({ sport: peer.header.dport, dport: peer.header.sport, gsi: peer.header.gsi }), to: "group" })
      }
      const ready: number[] = []
      for (const [sqn, nak] of peer.naks) {
        if (now < nak.at) {
          this.schedule(nak.at)
          continue
        }
        if (nak.state === "backoff") {
          if (peer.nla === null) {
            nak.at = this.schedule(now + this.cfg.nakBackoff)
            continue
          }
          ready.push(sqn)
          nak.state = "wait-ncf"
          nak.at = this.schedule(now + this.cfg.nakRepeat)
        } else if (nak.state === "wait-ncf" ? ++nak.ncfRetries > this.cfg.nakNcfRetries : ++nak.dataRetries > this.cfg.nakDataRetries) {
          peer.naks.delete(sqn)
          peer.lost.add(sqn)
        } else {
          nak.state = "backoff"
          nak.at = this.schedule(now + this.backoff())
        }
      }
      if (ready.length > 0 && peer.nla !== null) this.sendNaks(peer, ready, peer.nla)
      this.deliver(peer)
    }
  }

  private sendNaks(peer: Peer, sqns: number[], nla: string): void {
    const h = { sport: peer.header.dport, dport: peer.header.sport, gsi: peer.header.gsi }
    for (let i = 0; i < sqns.length; i += MAX_NAK_LIST + 1) {
      const [first, ...rest] = sqns.slice(i, i + MAX_NAK_LIST + 1)
      const packet = encodeNak("nak", h, { sqn: first!, sourceNla: nla, groupNla: this.cfg.group }, rest.length > 0 ? { nakList: rest } : {})
      this.stats.naksSent++
      this.outbox.push({ packet, to: nla })
    }
  }

  /** The earliest timer (possibly early, never late), or null when none runs. */
  get nextDeadline(): number | null {
    return this.soonestAt === Infinity ? null : this.soonestAt
  }
}
