/**
 * A PGM source (RFC 3208 §6.1, §6.2), sans I/O: the caller feeds it APDUs,
 * upstream packets and the clock (`now`, ms), and sends the packets it
 * returns to the group. Parameters follow libzmq 4.3's pgm_socket.cpp:
 *
 * - The transmit window holds txw_sqns = rate (kbit/s) / 8 * recoveryInterval
 *   (ms) / maxTpdu packets, at least one (libzmq's compute_sqns); what falls
 *   out of it can no longer be repaired, and the trailing edge sent in ODATA
 *   and SPMs tells receivers so.
 * - ODATA and RDATA share one token bucket of `rate` kbit/s (libzmq sets
 *   OpenPGM's PGM_ODATA_MAX_RTE; repairs are counted too here, so that a NAK
 *   flood cannot make us exceed the rate). The bucket holds BURST_MS of the
 *   rate (at least one TPDU): a whole second's worth, sent back to back,
 *   overflowed receivers' socket buffers and turned into a storm of
 *   repairs. IP and UDP headers count, as on the wire.
 * - SPMs (§6.1): three when the session starts, then a heartbeat after data
 *   at libzmq's intervals (100, 100, 100, 100, 1300 ms, 7, 16, 25, 30 s) and
 *   an ambient one every 30 s; one at once for an SPMR (§13.6). OPT_FIN on the
 *   SPMs sent when closing.
 * - A NAK (§6.3) naming our TSI, NLA and group for sequence numbers still in
 *   the window is confirmed at once by a multicast NCF and repaired by RDATA,
 *   repairs before new data; one pending repair per sequence number, and no
 *   second NCF while it is pending. NAKs for a sequence number repaired in the
 *   last NAK_ELIMINATION_MS are ignored (RFC 3208 §6.2 lets a source drop
 *   NAKs its recent RDATA answers: receivers' NCF suppression spreads theirs
 *   over 50 ms, and one whose RDATA was lost asks again 200 ms later), so a
 *   NAK flood costs at most one RDATA per sequence number per interval.
 */
import { encodeData, encodeNak, encodeSpm, sqnAdd, sqnDiff, MAX_NAK_LIST, type PgmHeader, type PgmPacket } from "./packet.js"

export const HEARTBEAT_SPM_MS = [100, 100, 100, 100, 1300, 7000, 16000, 25000, 30000] as const
export const AMBIENT_SPM_MS = 30000
export const NAK_ELIMINATION_MS = 50
export const BURST_MS = 20
/** IPv4 + UDP headers, counted against the rate. */
const IP_UDP_OVERHEAD = 28

export interface SourceConfig {
  gsi: Buffer
  /** TSI source port (random, as OpenPGM picks it for DEFAULT_DATA_SOURCE_PORT). */
  sport: number
  /** Data-destination port: the endpoint's port. */
  dport: number
  /** Our address on the interface (the SPM's path NLA, where NAKs come). */
  nla: string
  group: string
  /** ZMQ_RATE, kbit/s. */
  rate: number
  /** ZMQ_RECOVERY_IVL, ms. */
  recoveryInterval: number
  /** ZMQ_MULTICAST_MAXTPDU. */
  maxTpdu: number
}

/** libzmq's compute_sqns: the packets `rate` kbit/s carries in `recoveryInterval` ms, at least one. */
export function windowSqns(rate: number, recoveryInterval: number, maxTpdu: number): number {
  const perMs = Math.floor(rate / 8)
  return Math.max(1, Math.floor((recoveryInterval * perMs) / maxTpdu))
}

export class PgmSource {
  readonly header: PgmHeader
  private readonly cfg: SourceConfig
  private readonly txwSqns: number
  /** Window: the TSDUs of sqns trail..lead (ring indexed by sqn mod size). */
  private readonly window: (Buffer | undefined)[]
  private trail = 0
  private lead = 0xffffffff
  private spmSqn = 0
  private nextSpmAt: number
  private heartbeatIndex: number = HEARTBEAT_SPM_MS.length
  /** Sqns NAKed and confirmed, awaiting RDATA (insertion order = repair order). */
  private readonly repairs = new Set<number>()
  /** When each window slot's packet was last repaired (-Infinity: never). */
  private readonly repairedAt: Float64Array
  private tokens: number
  private tokensAt: number
  private readonly bytesPerMs: number
  private readonly bucketSize: number
  /** Counters for tests and benchmarks. */
  readonly stats = { odata: 0, rdata: 0, naks: 0, ignoredNaks: 0, spms: 0 }

  constructor(cfg: SourceConfig, now: number) {
    this.cfg = cfg
    this.header = { sport: cfg.sport, dport: cfg.dport, gsi: cfg.gsi }
    this.txwSqns = windowSqns(cfg.rate, cfg.recoveryInterval, cfg.maxTpdu)
    this.window = new Array<Buffer | undefined>(this.txwSqns)
    this.repairedAt = new Float64Array(this.txwSqns).fill(-Infinity)
    this.bytesPerMs = (cfg.rate * 1000) / 8 / 1000
    this.bucketSize = Math.max(cfg.maxTpdu + IP_UDP_OVERHEAD, this.bytesPerMs * BURST_MS)
    this.tokens = this.bucketSize
    this.tokensAt = now
    this.nextSpmAt = now + AMBIENT_SPM_MS
  }

  get windowSize(): number {
    return this.txwSqns
  }

  /** The SPMs that open the session (OpenPGM sends three). */
  start(): Buffer[] {
    return [this.spm(), this.spm(), this.spm()]
  }

  private refill(now: number): void {
    if (now > this.tokensAt) {
      this.tokens = Math.min(this.bucketSize, this.tokens + (now - this.tokensAt) * this.bytesPerMs)
      this.tokensAt = now
    }
  }

  /** Ms until a packet of `tsduLength` may go (0: now). */
  delayFor(tsduLength: number, now: number): number {
    this.refill(now)
    const need = tsduLength + 24 + IP_UDP_OVERHEAD
    return this.tokens >= need ? 0 : Math.ceil((need - this.tokens) / this.bytesPerMs)
  }

  private spend(packet: Buffer): void {
    this.tokens -= packet.length + IP_UDP_OVERHEAD
  }

  /** Sends one APDU as ODATA (the caller checked delayFor). */
  sendOdata(tsdu: Buffer, now: number): Buffer {
    this.lead = sqnAdd(this.lead, 1)
    // The window keeps txwSqns packets: the oldest leaves as the new one comes.
    if (sqnDiff(this.lead, this.trail) >= this.txwSqns) this.trail = sqnAdd(this.lead, 1 - this.txwSqns)
    this.window[this.lead % this.txwSqns] = tsdu
    this.repairedAt[this.lead % this.txwSqns] = -Infinity
    const packet = encodeData("odata", this.header, { sqn: this.lead, trail: this.trail }, tsdu)
    this.spend(packet)
    this.stats.odata++
    // §6.1: heartbeat SPMs follow data, first after the shortest interval.
    this.heartbeatIndex = 0
    this.nextSpmAt = now + HEARTBEAT_SPM_MS[0]
    return packet
  }

  private inWindow(sqn: number): boolean {
    return sqnDiff(sqn, this.trail) >= 0 && sqnDiff(sqn, this.lead) <= 0
  }

  /** An upstream packet (NAK, SPMR, ...) addressed to us; returns what to multicast at once. */
  onUpstream(p: PgmPacket, now: number): Buffer[] {
    if (!p.header.gsi.equals(this.cfg.gsi) || p.header.dport !== this.cfg.sport) return []
    if (p.type === "spmr") return [this.spm()]
    if (p.type !== "nak") return []
    // §8.3: a NAK names the source's NLA and the group; one for another session is not ours.
    if (p.sourceNla !== this.cfg.nla || p.groupNla !== this.cfg.group || p.header.sport !== this.cfg.dport) {
      this.stats.ignoredNaks++
      return []
    }
    this.stats.naks++
    const confirm: number[] = []
    for (const sqn of [p.sqn, ...(p.options.nakList ?? [])]) {
      if (!this.inWindow(sqn) || this.repairs.has(sqn) || now - this.repairedAt[sqn % this.txwSqns]! < NAK_ELIMINATION_MS) continue
      this.repairs.add(sqn)
      confirm.push(sqn)
    }
    if (confirm.length === 0) return []
    const group = this.cfg.group
    const out: Buffer[] = []
    for (let i = 0; i < confirm.length; i += MAX_NAK_LIST + 1) {
      const [first, ...rest] = confirm.slice(i, i + MAX_NAK_LIST + 1)
      out.push(encodeNak("ncf", this.header, { sqn: first!, sourceNla: this.cfg.nla, groupNla: group }, rest.length > 0 ? { nakList: rest } : {}))
    }
    return out
  }

  /** True while repairs wait. */
  get repairing(): boolean {
    return this.repairs.size > 0
  }

  /** The next RDATA if the rate allows it now (repairs go before ODATA); null otherwise. */
  nextRepair(now: number): Buffer | null {
    for (const sqn of this.repairs) {
      this.repairs.delete(sqn)
      const tsdu = this.inWindow(sqn) ? this.window[sqn % this.txwSqns] : undefined
      if (tsdu === undefined) continue
      if (this.delayFor(tsdu.length, now) > 0) {
        this.repairs.add(sqn)
        return null
      }
      const packet = encodeData("rdata", this.header, { sqn, trail: this.trail }, tsdu)
      this.repairedAt[sqn % this.txwSqns] = now
      this.spend(packet)
      this.stats.rdata++
      return packet
    }
    return null
  }

  /** SPMs due by `now`. */
  poll(now: number): Buffer[] {
    if (now < this.nextSpmAt) return []
    if (this.heartbeatIndex < HEARTBEAT_SPM_MS.length - 1) {
      this.heartbeatIndex++
      this.nextSpmAt = now + HEARTBEAT_SPM_MS[this.heartbeatIndex]!
    } else {
      this.nextSpmAt = now + AMBIENT_SPM_MS
    }
    return [this.spm()]
  }

  /** When poll() next has something to send. */
  get nextDeadline(): number {
    return this.nextSpmAt
  }

  /** The SPMs that end the session (§9.7: OPT_FIN). */
  finish(): Buffer[] {
    return [this.spm(true), this.spm(true), this.spm(true)]
  }

  private spm(fin = false): Buffer {
    this.stats.spms++
    const p = { sqn: this.spmSqn, trail: this.trail, lead: this.lead, nla: this.cfg.nla }
    this.spmSqn = sqnAdd(this.spmSqn, 1)
    return encodeSpm(this.header, p, fin ? { fin: true } : {})
  }
}
