/**
 * PGM packets (RFC 3208), sans I/O: what epgm:// puts in a UDP datagram and
 * reads back. Only the subset OpenPGM (libzmq's PGM library) sends or answers
 * is built; every type a receiver may meet is parsed or named so that it can
 * be ignored on purpose. Every length is checked against the datagram before
 * it is read: a malformed packet comes back as `{ type: "invalid", reason }`.
 *
 * Layout (RFC 3208 §8): a 16-byte header
 *   source port (2) | destination port (2) | type (1) | options (1) |
 *   checksum (2) | global source id (6) | TSDU length (2)
 * then the type's fixed part, then option extensions (§9, when the header's
 * OPT_PRESENT bit is set), then the TSDU (data packets only).
 *
 * The checksum (§8) is the Internet checksum of the whole packet; 0 on the
 * wire means "none", so a computed 0 is sent as 0xffff. OpenPGM fills it in
 * on every packet; a received packet with a non-zero checksum must verify.
 */

export const PGM_SPM = 0x00
export const PGM_POLL = 0x01
export const PGM_POLR = 0x02
export const PGM_ODATA = 0x04
export const PGM_RDATA = 0x05
export const PGM_NAK = 0x08
export const PGM_NNAK = 0x09
export const PGM_NCF = 0x0a
export const PGM_SPMR = 0x0c
export const PGM_ACK = 0x0d

/** Header options bits (§8). */
const OPT_PRESENT = 0x01
const OPT_NETWORK = 0x02
const OPT_PARITY = 0x80

/** Option types (§9); the top bit of the type byte marks the last option. */
const OPT_LENGTH = 0x00
const OPT_FRAGMENT = 0x01
const OPT_NAK_LIST = 0x02
const OPT_JOIN = 0x03
const OPT_SYN = 0x0d
const OPT_FIN = 0x0e
const OPT_RST = 0x0f
const OPT_END = 0x80
/** OPX bits of an option's fourth byte (§9): 2 = discard the packet if the option is not understood. */
const OPX_MASK = 0x03
const OPX_DISCARD = 0x02
/** §9: "at most 16 options" per packet (OpenPGM's limit too). */
const MAX_OPTIONS = 16
/** §9.3.5: OPT_NAK_LIST carries at most 62 sequence numbers besides the NAK's own. */
export const MAX_NAK_LIST = 62

export const HEADER_LENGTH = 16
const AFI_IP = 1
const AFI_IP6 = 2

export interface PgmHeader {
  sport: number
  dport: number
  /** The 6-byte global source id; with sport (downstream) it names the session: the TSI. */
  gsi: Buffer
}

export interface PgmOptions {
  fragment?: { sqn: number; offset: number; length: number }
  /** OPT_NAK_LIST: further sequence numbers the NAK or NCF stands for. */
  nakList?: number[]
  join?: number
  syn?: boolean
  fin?: boolean
  rst?: boolean
}

export type PgmPacket =
  | { type: "spm"; header: PgmHeader; options: PgmOptions; sqn: number; trail: number; lead: number; nla: string }
  | { type: "odata" | "rdata"; header: PgmHeader; options: PgmOptions; sqn: number; trail: number; data: Buffer }
  | { type: "nak" | "nnak" | "ncf"; header: PgmHeader; options: PgmOptions; sqn: number; sourceNla: string; groupNla: string }
  | { type: "spmr"; header: PgmHeader; options: PgmOptions }
  /** POLL, POLR and ACK (PGMCC): recognised, not acted on. */
  | { type: "other"; header: PgmHeader; code: number }

export type Decoded = PgmPacket | { type: "invalid"; reason: string }

/** RFC 1071 Internet checksum of `buf` (the checksum field must hold what is to be summed). */
export function internetChecksum(buf: Buffer): number {
  let sum = 0
  const even = buf.length & ~1
  for (let i = 0; i < even; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!
  if (even !== buf.length) sum += buf[even]! << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

// ---- decoding -------------------------------------------------------------------

function invalid(reason: string): Decoded {
  return { type: "invalid", reason }
}

/** Reads an NLA (AFI, reserved, address) at `at`; returns it and the offset past it, or null if short. */
function readNla(buf: Buffer, at: number): { nla: string; next: number } | null {
  if (at + 4 > buf.length) return null
  const afi = buf.readUInt16BE(at)
  if (afi === AFI_IP) {
    if (at + 8 > buf.length) return null
    return { nla: `${buf[at + 4]}.${buf[at + 5]}.${buf[at + 6]}.${buf[at + 7]}`, next: at + 8 }
  }
  if (afi === AFI_IP6) {
    if (at + 20 > buf.length) return null
    const words: string[] = []
    for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(at + 4 + 2 * i).toString(16))
    return { nla: words.join(":"), next: at + 20 }
  }
  return null
}

/** Parses the option extensions at `at`; returns them and where the TSDU starts, or a reason. */
function readOptions(buf: Buffer, at: number): { options: PgmOptions; next: number } | string {
  // §9.1: the first option is always OPT_LENGTH, whose total covers every option.
  if (at + 4 > buf.length) return "options: short OPT_LENGTH"
  if ((buf[at]! & 0x7f) !== OPT_LENGTH || buf[at + 1] !== 4) return "options: first option is not OPT_LENGTH"
  const total = buf.readUInt16BE(at + 2)
  const end = at + total
  if (total < 4 || end > buf.length) return "options: OPT_LENGTH runs past the packet"
  const options: PgmOptions = {}
  let pos = at + 4
  let last = (buf[at]! & OPT_END) !== 0
  let count = 1
  while (!last) {
    if (++count > MAX_OPTIONS) return "options: more than 16"
    if (pos + 4 > end) return "options: truncated option header"
    const code = buf[pos]! & 0x7f
    const length = buf[pos + 1]!
    last = (buf[pos]! & OPT_END) !== 0
    if (length < 4 || pos + length > end) return "options: option length out of bounds"
    const body = pos + 4
    switch (code) {
      case OPT_FRAGMENT:
        if (length !== 16) return "options: OPT_FRAGMENT length"
        options.fragment = { sqn: buf.readUInt32BE(body), offset: buf.readUInt32BE(body + 4), length: buf.readUInt32BE(body + 8) }
        break
      case OPT_NAK_LIST: {
        const n = (length - 4) / 4
        if (!Number.isInteger(n) || n < 1 || n > MAX_NAK_LIST) return "options: OPT_NAK_LIST length"
        const list: number[] = []
        for (let i = 0; i < n; i++) list.push(buf.readUInt32BE(body + 4 * i))
        options.nakList = list
        break
      }
      case OPT_JOIN:
        if (length !== 8) return "options: OPT_JOIN length"
        options.join = buf.readUInt32BE(body)
        break
      case OPT_SYN:
        options.syn = true
        break
      case OPT_FIN:
        options.fin = true
        break
      case OPT_RST:
        options.rst = true
        break
      default:
        // §9: an option not understood is ignored, unless its OPX bits say to discard the packet.
        if ((buf[pos + 3]! & OPX_MASK) === OPX_DISCARD) return `options: unknown option 0x${code.toString(16)} marked discard`
    }
    pos += length
  }
  if (pos !== end) return "options: OPT_LENGTH disagrees with the options"
  return { options, next: end }
}

/** Parses one datagram's payload as a PGM packet. Never throws. */
export function decodePacket(buf: Buffer): Decoded {
  if (buf.length < HEADER_LENGTH) return invalid("shorter than the PGM header")
  const code = buf[4]!
  const flags = buf[5]!
  if (buf.readUInt16BE(6) !== 0 && internetChecksum(buf) !== 0) return invalid("bad checksum")
  if ((flags & OPT_PARITY) !== 0) return invalid("parity (FEC) packets are not supported")
  const header: PgmHeader = { sport: buf.readUInt16BE(0), dport: buf.readUInt16BE(2), gsi: buf.subarray(8, 14) }
  const tsduLength = buf.readUInt16BE(14)
  let pos = HEADER_LENGTH
  const withOptions = (next: number): { options: PgmOptions; next: number } | string =>
    (flags & OPT_PRESENT) !== 0 ? readOptions(buf, next) : { options: {}, next }
  switch (code) {
    case PGM_SPM: {
      if (pos + 12 > buf.length) return invalid("SPM: short")
      const sqn = buf.readUInt32BE(pos)
      const trail = buf.readUInt32BE(pos + 4)
      const lead = buf.readUInt32BE(pos + 8)
      const nla = readNla(buf, pos + 12)
      if (nla === null) return invalid("SPM: bad path NLA")
      const o = withOptions(nla.next)
      if (typeof o === "string") return invalid(`SPM ${o}`)
      if (o.next !== buf.length || tsduLength !== 0) return invalid("SPM: length mismatch")
      return { type: "spm", header, options: o.options, sqn, trail, lead, nla: nla.nla }
    }
    case PGM_ODATA:
    case PGM_RDATA: {
      if (pos + 8 > buf.length) return invalid("data: short")
      const sqn = buf.readUInt32BE(pos)
      const trail = buf.readUInt32BE(pos + 4)
      pos += 8
      const o = withOptions(pos)
      if (typeof o === "string") return invalid(`data ${o}`)
      // §8.2: the TSDU length is the data after the options; the datagram must hold exactly that.
      if (o.next + tsduLength !== buf.length) return invalid("data: TSDU length mismatch")
      if (tsduLength === 0) return invalid("data: empty TSDU")
      return { type: code === PGM_ODATA ? "odata" : "rdata", header, options: o.options, sqn, trail, data: buf.subarray(o.next) }
    }
    case PGM_NAK:
    case PGM_NNAK:
    case PGM_NCF: {
      if (pos + 4 > buf.length) return invalid("NAK: short")
      const sqn = buf.readUInt32BE(pos)
      const source = readNla(buf, pos + 4)
      if (source === null) return invalid("NAK: bad source NLA")
      const group = readNla(buf, source.next)
      if (group === null) return invalid("NAK: bad group NLA")
      const o = withOptions(group.next)
      if (typeof o === "string") return invalid(`NAK ${o}`)
      if (o.next !== buf.length || tsduLength !== 0) return invalid("NAK: length mismatch")
      const type = code === PGM_NAK ? "nak" : code === PGM_NNAK ? "nnak" : "ncf"
      return { type, header, options: o.options, sqn, sourceNla: source.nla, groupNla: group.nla }
    }
    case PGM_SPMR: {
      const o = withOptions(pos)
      if (typeof o === "string") return invalid(`SPMR ${o}`)
      if (o.next !== buf.length) return invalid("SPMR: length mismatch")
      return { type: "spmr", header, options: o.options }
    }
    case PGM_POLL:
    case PGM_POLR:
    case PGM_ACK:
      return { type: "other", header, code }
    default:
      return invalid(`unknown packet type 0x${code.toString(16)}`)
  }
}

// ---- encoding -------------------------------------------------------------------

function nlaBytes(nla: string): Buffer {
  const parts = nla.split(".").map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`PGM NLA must be IPv4: ${nla}`)
  return Buffer.from([0, AFI_IP, 0, 0, ...parts])
}

/** The option extensions for `opts` (OPT_LENGTH first, OPT_END on the last), or an empty buffer. */
function optionBytes(opts: PgmOptions): Buffer {
  const parts: Buffer[] = []
  if (opts.fragment !== undefined) {
    const b = Buffer.alloc(16)
    b[0] = OPT_FRAGMENT
    b[1] = 16
    b.writeUInt32BE(opts.fragment.sqn >>> 0, 4)
    b.writeUInt32BE(opts.fragment.offset >>> 0, 8)
    b.writeUInt32BE(opts.fragment.length >>> 0, 12)
    parts.push(b)
  }
  if (opts.nakList !== undefined && opts.nakList.length > 0) {
    if (opts.nakList.length > MAX_NAK_LIST) throw new RangeError("OPT_NAK_LIST holds at most 62 sequence numbers")
    const b = Buffer.alloc(4 + 4 * opts.nakList.length)
    b[0] = OPT_NAK_LIST
    b[1] = b.length
    opts.nakList.forEach((s, i) => b.writeUInt32BE(s >>> 0, 4 + 4 * i))
    parts.push(b)
  }
  if (opts.join !== undefined) {
    const b = Buffer.alloc(8)
    b[0] = OPT_JOIN
    b[1] = 8
    b.writeUInt32BE(opts.join >>> 0, 4)
    parts.push(b)
  }
  for (const [flag, code] of [[opts.syn, OPT_SYN], [opts.fin, OPT_FIN], [opts.rst, OPT_RST]] as const) {
    if (flag === true) parts.push(Buffer.from([code, 4, 0, 0]))
  }
  if (parts.length === 0) return Buffer.alloc(0)
  parts[parts.length - 1]![0]! |= OPT_END
  const total = 4 + parts.reduce((n, p) => n + p.length, 0)
  const length = Buffer.from([OPT_LENGTH, 4, total >> 8, total & 0xff])
  return Buffer.concat([length, ...parts])
}

/** Header, body and options into one packet, checksum filled in. */
function finish(code: number, h: PgmHeader, fixed: Buffer, options: Buffer, tsdu: Buffer | null, network = false): Buffer {
  const tsduLength = tsdu === null ? 0 : tsdu.length
  const out = Buffer.allocUnsafe(HEADER_LENGTH + fixed.length + options.length + tsduLength)
  out.writeUInt16BE(h.sport, 0)
  out.writeUInt16BE(h.dport, 2)
  out[4] = code
  out[5] = (options.length > 0 ? OPT_PRESENT : 0) | (network && options.length > 0 ? OPT_NETWORK : 0)
  out.writeUInt16BE(0, 6)
  if (h.gsi.length !== 6) throw new RangeError("a PGM GSI is 6 bytes")
  h.gsi.copy(out, 8)
  out.writeUInt16BE(tsduLength, 14)
  fixed.copy(out, HEADER_LENGTH)
  options.copy(out, HEADER_LENGTH + fixed.length)
  if (tsdu !== null) tsdu.copy(out, HEADER_LENGTH + fixed.length + options.length)
  const sum = internetChecksum(out)
  out.writeUInt16BE(sum === 0 ? 0xffff : sum, 6)
  return out
}

export function encodeSpm(h: PgmHeader, p: { sqn: number; trail: number; lead: number; nla: string }, opts: PgmOptions = {}): Buffer {
  const fixed = Buffer.alloc(12)
  fixed.writeUInt32BE(p.sqn >>> 0, 0)
  fixed.writeUInt32BE(p.trail >>> 0, 4)
  fixed.writeUInt32BE(p.lead >>> 0, 8)
  return finish(PGM_SPM, h, Buffer.concat([fixed, nlaBytes(p.nla)]), optionBytes(opts), null)
}

export function encodeData(kind: "odata" | "rdata", h: PgmHeader, p: { sqn: number; trail: number }, data: Buffer, opts: PgmOptions = {}): Buffer {
  if (data.length === 0 || data.length > 0xffff) throw new RangeError("a PGM TSDU holds 1 to 65535 bytes")
  const fixed = Buffer.alloc(8)
  fixed.writeUInt32BE(p.sqn >>> 0, 0)
  fixed.writeUInt32BE(p.trail >>> 0, 4)
  return finish(kind === "odata" ? PGM_ODATA : PGM_RDATA, h, fixed, optionBytes(opts), data)
}

/** NAK, N-NAK or NCF for `sqn` (and `opts.nakList`): source NLA is the data source's, group NLA the multicast group. */
export function encodeNak(kind: "nak" | "nnak" | "ncf", h: PgmHeader, p: { sqn: number; sourceNla: string; groupNla: string }, opts: PgmOptions = {}): Buffer {
  const sqn = Buffer.alloc(4)
  sqn.writeUInt32BE(p.sqn >>> 0, 0)
  const code = kind === "nak" ? PGM_NAK : kind === "nnak" ? PGM_NNAK : PGM_NCF
  // §9.3.5: OPT_NAK_LIST is network-significant (a PGM router must read it).
  return finish(code, h, Buffer.concat([sqn, nlaBytes(p.sourceNla), nlaBytes(p.groupNla)]), optionBytes(opts), null, true)
}

export function encodeSpmr(h: PgmHeader): Buffer {
  return finish(PGM_SPMR, h, Buffer.alloc(0), Buffer.alloc(0), null)
}

// ---- sequence numbers (§3: 32-bit, compared modulo 2^32) ---------------------------

/** a - b as a signed 32-bit distance. */
export function sqnDiff(a: number, b: number): number {
  return (a - b) | 0
}

export function sqnAdd(a: number, n: number): number {
  return (a + n) >>> 0
}
