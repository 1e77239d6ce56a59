/**
 * The PGM codec (src/transport/epgm/packet.ts) against packets libzmq 4.3.4
 * + OpenPGM 5.3 sent (captured from python3-zmq's PUB over epgm:// in a
 * network namespace), and against malformed input.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { decodePacket, encodeData, encodeNak, encodeSpm, encodeSpmr, internetChecksum, sqnDiff, type Decoded } from "../../src/transport/epgm/packet.js"

const hex = (s: string): Buffer => Buffer.from(s, "hex")
// OpenPGM's first SPM (sqn 0, empty window: trail 0, lead 0xffffffff, NLA 10.77.0.1).
const OPENPGM_SPM = hex("6d8315b30000e56cb7c6d1bc038a00000000000000000000ffffffff000100000a4d0001")
// ODATA sqn 3 carrying libzmq's APDU: offset 0, v1 frame "hello 1".
const OPENPGM_ODATA = hex("6d8315b304006ebbb7c6d1bc038a000b00000003000000000000080068656c6c6f2031")
// The SPM sent at close: OPT_LENGTH then OPT_FIN (END bit set).
const OPENPGM_FIN_SPM = hex("6d8315b300015739b7c6d1bc038a0000000000110000000000000011000100000a4d0001000400088e040000")
const GSI = hex("b7c6d1bc038a")

function ok(d: Decoded): Exclude<Decoded, { type: "invalid" }> {
  assert.notEqual(d.type, "invalid", d.type === "invalid" ? d.reason : "")
  return d as Exclude<Decoded, { type: "invalid" }>
}

void describe("PGM packets (RFC 3208 §8, §9) as OpenPGM sends them", () => {
  void test("OpenPGM's SPM, ODATA and FIN SPM decode, and re-encode to the same bytes", () => {
    const spm = ok(decodePacket(OPENPGM_SPM))
    assert.equal(spm.type, "spm")
    assert.ok(spm.type === "spm")
    assert.deepEqual([spm.header.sport, spm.header.dport, spm.sqn, spm.trail, spm.lead, spm.nla], [0x6d83, 5555, 0, 0, 0xffffffff, "10.77.0.1"])
    assert.deepEqual(encodeSpm(spm.header, spm), OPENPGM_SPM)

    const odata = ok(decodePacket(OPENPGM_ODATA))
    assert.ok(odata.type === "odata")
    assert.equal(odata.sqn, 3)
    assert.deepEqual(odata.data, hex("0000080068656c6c6f2031"))
    assert.deepEqual(encodeData("odata", odata.header, odata, odata.data), OPENPGM_ODATA)

    const fin = ok(decodePacket(OPENPGM_FIN_SPM))
    assert.ok(fin.type === "spm")
    assert.equal(fin.options.fin, true)
    assert.deepEqual(encodeSpm(fin.header, fin, { fin: true }), OPENPGM_FIN_SPM)
  })

  void test("NAK with OPT_NAK_LIST, NCF and SPMR round-trip; upstream ports are swapped (§8)", () => {
    const h = { sport: 5555, dport: 0x6d83, gsi: GSI }
    const nak = ok(decodePacket(encodeNak("nak", h, { sqn: 7, sourceNla: "10.77.0.1", groupNla: "239.192.1.1" }, { nakList: [8, 10] })))
    assert.ok(nak.type === "nak")
    assert.deepEqual([nak.sqn, nak.sourceNla, nak.groupNla, nak.options.nakList], [7, "10.77.0.1", "239.192.1.1", [8, 10]])
    assert.equal(nak.header.sport, 5555)
    const ncf = ok(decodePacket(encodeNak("ncf", { sport: 0x6d83, dport: 5555, gsi: GSI }, { sqn: 7, sourceNla: "10.77.0.1", groupNla: "239.192.1.1" })))
    assert.equal(ncf.type, "ncf")
    assert.equal(ok(decodePacket(encodeSpmr(h))).type, "spmr")
    const frag = ok(decodePacket(encodeData("rdata", h, { sqn: 1, trail: 0 }, Buffer.from("x"), { fragment: { sqn: 1, offset: 0, length: 1 } })))
    assert.ok(frag.type === "rdata")
    assert.deepEqual(frag.options.fragment, { sqn: 1, offset: 0, length: 1 })
  })

  void test("the checksum is RFC 1071's over the whole packet; a wrong one, or a flipped bit, is refused", () => {
    const zeroed = Buffer.from(OPENPGM_ODATA)
    zeroed.writeUInt16BE(0, 6)
    assert.equal(internetChecksum(zeroed), 0x6ebb)
    const flipped = Buffer.from(OPENPGM_ODATA)
    flipped[flipped.length - 1]! ^= 1
    assert.deepEqual(decodePacket(flipped), { type: "invalid", reason: "bad checksum" })
    // §8: checksum 0 means none was computed: accepted unchecked.
    assert.equal(ok(decodePacket(zeroed)).type, "odata")
  })

  void test("malformed packets are refused with a reason, never thrown on", () => {
    const cases: [string, Buffer][] = [
      ["short", OPENPGM_SPM.subarray(0, 10)],
      ["SPM cut in its NLA", OPENPGM_SPM.subarray(0, 30)],
      ["ODATA with a TSDU length past the end", withLength(OPENPGM_ODATA, 0x0c)],
      ["ODATA with a TSDU length short of the end", withLength(OPENPGM_ODATA, 0x0a)],
      ["options flag without options", withFlags(OPENPGM_ODATA, 0x01)],
      ["OPT_LENGTH total past the end", patch(OPENPGM_FIN_SPM, 38, 0x40)],
      ["option length 0", patch(OPENPGM_FIN_SPM, 41, 0)],
      ["parity packet", withFlags(OPENPGM_ODATA, 0x80)],
      ["unknown type", patch(OPENPGM_ODATA, 4, 0x07)],
    ]
    for (const [what, buf] of cases) {
      const d = decodePacket(buf)
      assert.equal(d.type, "invalid", what)
    }
    // Random bytes: never a throw.
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(OPENPGM_FIN_SPM)
      b[16 + (i % (b.length - 16))] = (i * 37) & 0xff
      b.writeUInt16BE(0, 6)
      decodePacket(b)
    }
  })

  void test("sequence numbers compare modulo 2^32", () => {
    assert.equal(sqnDiff(0, 0xffffffff), 1)
    assert.equal(sqnDiff(0xffffffff, 0), -1)
    assert.equal(sqnDiff(5, 3), 2)
  })
})

/** A copy with byte `at` set and the checksum recomputed, so only the change is judged. */
function patch(buf: Buffer, at: number, value: number): Buffer {
  const b = Buffer.from(buf)
  b[at] = value
  b.writeUInt16BE(0, 6)
  const sum = internetChecksum(b)
  b.writeUInt16BE(sum === 0 ? 0xffff : sum, 6)
  return b
}
function withLength(buf: Buffer, tsduLength: number): Buffer {
  return patch(patch(buf, 14, tsduLength >> 8), 15, tsduLength & 0xff)
}
function withFlags(buf: Buffer, flags: number): Buffer {
  return patch(buf, 5, flags)
}
