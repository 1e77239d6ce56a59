/**
 * libzmq's framing of messages over PGM (src/transport/epgm/framing.ts): the
 * APDUs must be byte for byte what libzmq 4.3.4's pgm_sender produced for the
 * same messages (captured: a [5, 3000]-byte multipart message, then "hello 1"),
 * and a receiver must join at a message start and never deliver a torn message.
 */
import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { Msg } from "../../src/pipe.js"
import { ApduDecoder, ApduEncoder, NO_MESSAGE_START } from "../../src/transport/epgm/framing.js"

const MAX_TSDU = 1428 // OpenPGM's MSS for a 1500-byte TPDU over UDP, as libzmq's PUB had it

function encodeAll(msgs: Msg[], maxTsdu = MAX_TSDU): Buffer[] {
  const queue = [...msgs]
  const enc = new ApduEncoder(maxTsdu)
  const out: Buffer[] = []
  for (let apdu = enc.next(() => queue.shift()); apdu !== null; apdu = enc.next(() => queue.shift())) out.push(apdu)
  return out
}

const BIG: Msg = [Buffer.from("multi"), Buffer.alloc(3000, 0x78)]

void describe("epgm framing: libzmq's APDU offset and v1 frames", () => {
  void test("a multipart message across three APDUs, as libzmq 4.3.4 sent it", () => {
    const apdus = encodeAll([BIG])
    assert.deepEqual(apdus.map((a) => a.length), [1428, 1428, 167])
    assert.deepEqual(apdus.map((a) => a.readUInt16BE(0)), [0, NO_MESSAGE_START, 165])
    assert.deepEqual(apdus[0]!.subarray(0, 20), Buffer.from("000006016d756c7469ff0000000000000bb90078", "hex"))
    assert.deepEqual(encodeAll([[Buffer.from("hello 1")]])[0], Buffer.from("0000080068656c6c6f2031", "hex"))
  })

  void test("small messages share an APDU; the offset is the first message start", () => {
    const apdus = encodeAll([[Buffer.from("a")], [Buffer.from("b"), Buffer.from("c")], [Buffer.alloc(0)]])
    assert.equal(apdus.length, 1)
    assert.deepEqual(apdus[0], Buffer.from("0000" + "020061" + "020162" + "020063" + "0100", "hex"))
    const dec = new ApduDecoder(-1)
    const got: Msg[] = []
    assert.equal(dec.push(apdus[0], got), true)
    assert.deepEqual(got.map((m) => m.map((f) => f.toString())), [["a"], ["b", "c"], [""]])
  })

  void test("a decoder reassembles across APDUs; a late joiner waits for a message start", () => {
    const apdus = encodeAll([BIG, [Buffer.from("next")], BIG])
    const all: Msg[] = []
    const full = new ApduDecoder(-1)
    for (const a of apdus) full.push(a, all)
    assert.deepEqual(all.map((m) => m.map((f) => f.length)), [[5, 3000], [4], [5, 3000]])

    const late: Msg[] = []
    const joiner = new ApduDecoder(-1)
    for (const a of apdus.slice(1)) joiner.push(a, late)
    assert.deepEqual(late.map((m) => m.map((f) => f.length)), [[4], [5, 3000]], "joins at the offset, skipping the torn message")
  })

  void test("a reset mid-message drops the partial message and rejoins at the next start", () => {
    const apdus = encodeAll([BIG, [Buffer.from("after")]])
    const got: Msg[] = []
    const dec = new ApduDecoder(-1)
    dec.push(apdus[0]!, got)
    dec.reset()
    for (const a of apdus.slice(1)) dec.push(a, got)
    assert.deepEqual(got.map((m) => m.map((f) => f.toString())), [["after"]])
  })

  void test("framing errors (zero size, over maxMessageSize, forged offset) unjoin, never deliver", () => {
    const got: Msg[] = []
    const dec = new ApduDecoder(10)
    assert.equal(dec.push(Buffer.from("000000", "hex"), got), false, "v1 size 0 has no flags octet")
    assert.equal(dec.push(Buffer.from("00000c00" + "61".repeat(11), "hex"), got), false, "11-byte body over a limit of 10")
    assert.equal(dec.push(Buffer.from("0009020061", "hex"), got), false, "offset past the APDU")
    assert.equal(dec.push(Buffer.from("00", "hex"), got), false, "no room for the offset")
    assert.equal(dec.isJoined, false)
    assert.equal(dec.push(Buffer.from("0000020061", "hex"), got), true)
    assert.deepEqual(got.map((m) => m.map((f) => f.toString())), [["a"]])
  })
})
