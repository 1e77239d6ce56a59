import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { GREETING_SIZE, ProtocolError, decodeGreeting, encodeGreeting, isValidSignature } from "../../src/internal.js"

/**
 * The 64 octets of RFC 37 "The Greeting", written out by hand:
 * signature (%xFF, 8 padding octets, %x7F), version (major, minor),
 * mechanism (20 octets, null-padded), as-server, filler (31 zero octets).
 */
function greeting(opts: { padding?: number[]; major?: number; minor?: number; mechanism: string; asServer: number }): Buffer {
  const padding = opts.padding ?? [0, 0, 0, 0, 0, 0, 0, 1]
  assert.equal(padding.length, 8)
  const mech = [...Buffer.from(opts.mechanism, "ascii")]
  const bytes = [
    0xff, ...padding, 0x7f,
    opts.major ?? 3, opts.minor ?? 1,
    ...mech, ...new Array<number>(20 - mech.length).fill(0),
    opts.asServer,
    ...new Array<number>(31).fill(0),
  ]
  assert.equal(bytes.length, 64)
  return Buffer.from(bytes)
}

function throwsProtocol(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`)
    assert.equal(err.reason, reason)
    return true
  })
}

void describe("encodeGreeting", () => {
  void test("NULL client greeting: exactly the 64 octets of RFC 37", () => {
    const g = encodeGreeting("NULL", false)
    assert.equal(g.length, GREETING_SIZE)
    assert.equal(GREETING_SIZE, 64)
    assert.deepEqual([...g], [...greeting({ mechanism: "NULL", asServer: 0 })])
  })

  void test("field by field", () => {
    const g = encodeGreeting("PLAIN", true, 0)
    assert.equal(g[0], 0xff, "signature start")
    assert.deepEqual([...g.subarray(1, 9)], [0, 0, 0, 0, 0, 0, 0, 1], "padding: routing-id length + 1, 64-bit BE")
    assert.equal(g[9], 0x7f, "signature end")
    assert.equal(g[10], 3, "major")
    assert.equal(g[11], 1, "minor")
    assert.equal(g.toString("ascii", 12, 17), "PLAIN")
    assert.ok(g.subarray(17, 32).every((b) => b === 0), "mechanism null-padded to 20 octets")
    assert.equal(g[32], 1, "as-server")
    assert.ok(g.subarray(33, 64).every((b) => b === 0), "31 zero octets of filler")
  })

  void test("padding carries routing-id length + 1 as libzmq writes it", () => {
    assert.deepEqual([...encodeGreeting("NULL", false, 5).subarray(1, 9)], [0, 0, 0, 0, 0, 0, 0, 6])
    assert.deepEqual([...encodeGreeting("NULL", false, 255).subarray(1, 9)], [0, 0, 0, 0, 0, 0, 1, 0])
    assert.deepEqual([...encodeGreeting("CURVE", true, 5)], [...greeting({ padding: [0, 0, 0, 0, 0, 0, 0, 6], mechanism: "CURVE", asServer: 1 })])
  })

  void test("a 20-octet mechanism fills the field; longer is refused", () => {
    const name = "ABCDEFGHIJ0123456789"
    const g = encodeGreeting(name, false)
    assert.equal(g.toString("ascii", 12, 32), name)
    assert.equal(g[32], 0)
    assert.throws(() => encodeGreeting(name + "X", false), RangeError)
  })

  void test("round trip through decodeGreeting", () => {
    for (const mechanism of ["NULL", "PLAIN", "CURVE"]) {
      for (const asServer of [false, true]) {
        assert.deepEqual(decodeGreeting(encodeGreeting(mechanism, asServer, 3)), { major: 3, minor: 1, mechanism, asServer })
      }
    }
  })
})

void describe("decodeGreeting", () => {
  void test("NULL", () => {
    assert.deepEqual(decodeGreeting(greeting({ mechanism: "NULL", asServer: 0 })), { major: 3, minor: 1, mechanism: "NULL", asServer: false })
  })

  void test("PLAIN as server", () => {
    assert.deepEqual(decodeGreeting(greeting({ mechanism: "PLAIN", asServer: 1 })), { major: 3, minor: 1, mechanism: "PLAIN", asServer: true })
  })

  void test("CURVE", () => {
    assert.deepEqual(decodeGreeting(greeting({ mechanism: "CURVE", asServer: 0 })), { major: 3, minor: 1, mechanism: "CURVE", asServer: false })
  })

  void test("a ZMTP 3.0 greeting (minor 0)", () => {
    assert.deepEqual(decodeGreeting(greeting({ minor: 0, mechanism: "NULL", asServer: 0 })), { major: 3, minor: 0, mechanism: "NULL", asServer: false })
  })

  void test("a higher version is parsed as announced", () => {
    assert.deepEqual(decodeGreeting(greeting({ major: 4, minor: 7, mechanism: "NULL", asServer: 0 })), { major: 4, minor: 7, mechanism: "NULL", asServer: false })
  })

  void test("the padding is not interpreted (RFC 37: any value)", () => {
    const g = greeting({ padding: [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01, 0x02, 0x03], mechanism: "NULL", asServer: 0 })
    assert.deepEqual(decodeGreeting(g), { major: 3, minor: 1, mechanism: "NULL", asServer: false })
  })

  void test("the greeting may be followed by more bytes", () => {
    const g = Buffer.concat([greeting({ mechanism: "NULL", asServer: 0 }), Buffer.from([0x04, 0x00])])
    assert.equal(decodeGreeting(g).mechanism, "NULL")
  })

  void test("a full 20-character mechanism", () => {
    assert.equal(decodeGreeting(greeting({ mechanism: "X-ABCDEFGHIJKLMNOPQR", asServer: 0 })).mechanism, "X-ABCDEFGHIJKLMNOPQR")
  })

  void test("a bad signature throws ProtocolError", () => {
    const g = greeting({ mechanism: "NULL", asServer: 0 })
    g[0] = 0x00
    assert.throws(() => decodeGreeting(g), ProtocolError)
    const g2 = greeting({ mechanism: "NULL", asServer: 0 })
    g2[9] = 0x7e
    assert.throws(() => decodeGreeting(g2), ProtocolError)
  })

  void test("a mechanism that is not null-padded throws", () => {
    const g = greeting({ mechanism: "NULL", asServer: 0 })
    g[20] = 0x41 // "NULL\0\0\0\0A..."
    throwsProtocol(() => decodeGreeting(g), "ERR_ZMTP_MECHANISM_MISMATCH")
  })

  void test("fewer than 64 octets is refused", () => {
    assert.throws(() => decodeGreeting(greeting({ mechanism: "NULL", asServer: 0 }).subarray(0, 63)), RangeError)
  })
})

void describe("isValidSignature", () => {
  void test("accepts the ZMTP 2.0+ signature whatever the padding", () => {
    assert.equal(isValidSignature(greeting({ mechanism: "NULL", asServer: 0 })), true)
    assert.equal(isValidSignature(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f])), true)
    assert.equal(isValidSignature(Buffer.from([0xff, 9, 9, 9, 9, 9, 9, 9, 9, 0x7f])), true)
  })

  void test("rejects a first octet other than 0xFF", () => {
    assert.equal(isValidSignature(Buffer.from([0xfe, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f])), false)
    // A ZMTP 1.0 peer starts with a short identity frame: length, flags, identity.
    assert.equal(isValidSignature(Buffer.from([0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])), false)
  })

  void test("rejects octet 9 with bit 0 clear", () => {
    assert.equal(isValidSignature(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7e])), false)
    assert.equal(isValidSignature(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x00])), false)
  })

  void test("rejects fewer than 10 octets", () => {
    assert.equal(isValidSignature(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1])), false)
    assert.equal(isValidSignature(Buffer.alloc(0)), false)
  })
})
