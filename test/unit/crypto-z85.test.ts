import { describe, test } from "node:test"
import assert from "node:assert/strict"
import { randomBytes } from "node:crypto"
import { isZ85, z85Decode, z85Encode } from "../../src/crypto/z85.js"

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex")

void describe("Z85 (RFC 32)", () => {
  void test("the RFC 32 test case: 86 4F D2 6F B5 59 F7 5B <-> HelloWorld", () => {
    const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])
    assert.equal(z85Encode(bytes), "HelloWorld")
    assert.deepEqual(z85Decode("HelloWorld"), bytes)
  })

  void test("libzmq's test keys (zmq_z85_decode / zmq_curve_public, libzmq 4.3.4)", () => {
    // server secret key of libzmq's test_security_curve
    const secret = z85Decode("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
    assert.equal(hex(secret), "8e0bdd697628b91d8f245587ee95c5b04d48963f79259877b49cd9063aead3b7")
    assert.equal(z85Encode(secret), "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
    // RFC 7748's Alice public key, as pyzmq's z85 encodes it
    const alicePublic = Buffer.from("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", "hex")
    assert.equal(z85Encode(alicePublic), "G=]<>I7>&bBC>O5V{aj/4zK}kco8}o(.HIuS*=:#")
  })

  void test("extremes: 00000000 -> 00000, FFFFFFFF -> %nSc0", () => {
    assert.equal(z85Encode(new Uint8Array(4)), "00000")
    assert.equal(z85Encode(new Uint8Array([0xff, 0xff, 0xff, 0xff])), "%nSc0")
    assert.deepEqual(z85Decode("%nSc0"), new Uint8Array([0xff, 0xff, 0xff, 0xff]))
    assert.deepEqual(z85Decode("00000"), new Uint8Array(4))
  })

  void test("every digit value decodes to its place in the alphabet", () => {
    for (let i = 0; i < 85; i++) {
      const v = z85Decode("0000" + ALPHABET[i]!)
      assert.equal(Buffer.from(v).readUInt32BE(0), i)
      if (i * 85 ** 4 <= 0xffffffff) {
        const w = z85Decode(ALPHABET[i]! + "0000")
        assert.equal(Buffer.from(w).readUInt32BE(0), i * 85 ** 4)
      } else {
        assert.ok(i >= 83) // "$" and "#" cannot lead: 83 * 85^4 > 2^32 - 1
        assert.throws(() => z85Decode(ALPHABET[i]! + "0000"), RangeError)
      }
    }
  })

  void test("empty input both ways", () => {
    assert.equal(z85Encode(new Uint8Array(0)), "")
    assert.deepEqual(z85Decode(""), new Uint8Array(0))
  })

  void test("round trips of random data, Buffer and Uint8Array views", () => {
    for (let n = 0; n <= 256; n += 4) {
      const b = randomBytes(n)
      const s = z85Encode(b)
      assert.equal(s.length, (n / 4) * 5)
      assert.match(s, /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]*$/)
      assert.equal(hex(z85Decode(s)), hex(b))
    }
    const backing = randomBytes(64)
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 3, 32)
    assert.equal(hex(z85Decode(z85Encode(view))), hex(view))
  })

  void test("encode rejects a length that is not a multiple of 4", () => {
    for (const n of [1, 2, 3, 5, 31, 33]) {
      assert.throws(() => z85Encode(new Uint8Array(n)), RangeError, `length ${n}`)
    }
  })

  void test("decode rejects a length that is not a multiple of 5", () => {
    for (const s of ["0", "0000", "000000", "HelloWorl", "HelloWorld0"]) {
      assert.throws(() => z85Decode(s), RangeError, JSON.stringify(s))
    }
  })

  void test("decode rejects characters outside the alphabet", () => {
    const bad = [" ", '"', "'", ",", ";", "\\", "_", "`", "|", "~", "\x00", "\x7f", "\n", "é", "\u0100", "😀"[0]!]
    for (const c of bad) {
      assert.throws(() => z85Decode("0000" + c), RangeError, JSON.stringify(c))
      assert.throws(() => z85Decode(c + "0000"), RangeError, JSON.stringify(c))
      assert.throws(() => z85Decode("HelloWorld00" + c + "00"), RangeError, JSON.stringify(c))
    }
  })

  void test("decode rejects groups worth more than 2^32 - 1", () => {
    // %nSc0 is exactly 2^32 - 1
    for (const s of ["%nSc1", "%nSc#", "%nSd0", "#####", "$0000", "HelloWorld#####"]) {
      assert.throws(() => z85Decode(s), RangeError, s)
    }
  })

  void test("isZ85", () => {
    assert.equal(isZ85("HelloWorld"), true)
    assert.equal(isZ85("HelloWorld", 8), true)
    assert.equal(isZ85("HelloWorld", 32), false)
    assert.equal(isZ85("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6", 32), true)
    assert.equal(isZ85("Hello World"), false)
    assert.equal(isZ85("#####"), false)
  })
})
