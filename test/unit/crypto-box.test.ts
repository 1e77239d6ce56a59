import { after, describe, test } from "node:test"
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import nacl from "tweetnacl"
import * as zeromq from "zeromq"
import {
  KeyCache,
  LowOrderKeyError,
  MAC_BYTES,
  OPEN_HEADROOM,
  SEAL_HEADROOM,
  generateKeyPair,
  isLowOrder,
  open,
  openAfter,
  openAfterInPlace,
  precompute,
  publicFromSecret,
  randomBytes as boxRandomBytes,
  seal,
  sealAfter,
  sealAfterInPlace,
  setX25519BackendForTesting,
  x25519Backend,
} from "../../src/crypto/box.js"
import { z85Decode } from "../../src/crypto/z85.js"
import { scaled } from "../helpers/time.js"

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")
const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

/** A copy of `b` at an odd offset inside a larger Buffer, to catch byteOffset bugs. */
function oddView(b: Uint8Array): Buffer {
  const backing = randomBytes(b.length + 7)
  const v = backing.subarray(3, 3 + b.length)
  v.set(b)
  return v
}

// NaCl's crypto_box test vector (tests/box.c, box2.c, box7.c in the NaCl
// distribution; the same in libsodium's test/default/box.c): Alice's and
// Bob's keys are RFC 7748 section 6.1's.
const V = {
  aliceSecret: h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
  alicePublic: h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
  bobSecret: h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"),
  bobPublic: h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
  /** crypto_box_beforenm(bobpk, alicesk): NaCl's "firstkey" */
  shared: h("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389"),
  nonce: h("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37"),
  message: h(`
    be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc
    e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31
    0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde
    048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864
    5e0705`),
  /** MAC (16) + ciphertext (131): crypto_box's output without its 16 zero bytes */
  box: h(`
    f3ffc7703f9400e52a7dfb4b3d3305d9
    8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a
    c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738
    b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da
    99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74
    e355a5`),
}

// libsodium's small-order blocklist (has_small_order), written out here
// independently from src/crypto/box.ts and checked against its decimal form.
const P = 2n ** 255n - 19n
const le32 = (n: bigint): Uint8Array => {
  const b = new Uint8Array(32)
  for (let i = 0; i < 32; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return b
}
const ORDER8_A = 325606250916557431795983626356110631294008115727848805560023387167927233504n
const ORDER8_B = 39382357235489614581723060781553021112529911719440698176882885853963445705823n
const LOW_ORDER: [string, Uint8Array][] = [
  ["0 (order 4)", le32(0n)],
  ["1 (order 1)", le32(1n)],
  ["order 8 (a)", le32(ORDER8_A)],
  ["order 8 (b)", le32(ORDER8_B)],
  ["p - 1 (order 2)", le32(P - 1n)],
  ["p (= 0)", le32(P)],
  ["p + 1 (= 1)", le32(P + 1n)],
]
const withTopBit = (b: Uint8Array): Uint8Array => {
  const c = Uint8Array.from(b)
  c[31]! |= 0x80
  return c
}
const ALL_LOW_ORDER: [string, Uint8Array][] = [
  ...LOW_ORDER,
  ...LOW_ORDER.map(([n, b]): [string, Uint8Array] => [`${n}, top bit set`, withTopBit(b)]),
]

const BACKENDS = ["node", "js"] as const

after(() => setX25519BackendForTesting(undefined))

void describe("crypto/box: backend", () => {
  void test("node:crypto's X25519 passes the self-test on this Node", () => {
    setX25519BackendForTesting(undefined)
    assert.equal(x25519Backend(), "node")
  })
})

for (const backend of BACKENDS) {
  void describe(`crypto/box with the ${backend} X25519`, () => {
    const use = () => setX25519BackendForTesting(backend)

    void test("NaCl vector: public keys from secret keys", () => {
      use()
      assert.equal(hex(publicFromSecret(V.aliceSecret)), hex(V.alicePublic))
      assert.equal(hex(publicFromSecret(V.bobSecret)), hex(V.bobPublic))
      assert.equal(hex(publicFromSecret(oddView(V.aliceSecret))), hex(V.alicePublic))
      // with a KeyCache (node: the public key OpenSSL derived when importing)
      const keys = new KeyCache()
      assert.equal(hex(publicFromSecret(V.aliceSecret, keys)), hex(V.alicePublic))
      assert.equal(hex(publicFromSecret(V.aliceSecret, keys)), hex(V.alicePublic))
    })

    void test("public keys from secret keys = X25519(secret, 9) (tweetnacl), for unclamped random secrets", () => {
      use()
      const base = new Uint8Array(32)
      base[0] = 9
      for (let i = 0; i < 64; i++) {
        const secret = randomBytes(32)
        if (i === 0) secret.fill(0xff)
        if (i === 1) secret.fill(0)
        const expected = nacl.scalarMult(secret, base)
        assert.equal(hex(publicFromSecret(secret)), hex(expected))
        assert.equal(hex(publicFromSecret(secret, new KeyCache())), hex(expected))
      }
    })

    void test("NaCl vector: crypto_box_beforenm from both sides", () => {
      use()
      assert.equal(hex(precompute(V.bobPublic, V.aliceSecret)), hex(V.shared))
      assert.equal(hex(precompute(V.alicePublic, V.bobSecret)), hex(V.shared))
      assert.equal(hex(precompute(oddView(V.alicePublic), oddView(V.bobSecret))), hex(V.shared))
    })

    void test("NaCl vector: crypto_box / crypto_box_afternm give MAC + ciphertext", () => {
      use()
      assert.equal(V.message.length, 131)
      assert.equal(hex(sealAfter(V.shared, V.nonce, V.message)), hex(V.box))
      assert.equal(hex(seal(V.bobPublic, V.aliceSecret, V.nonce, V.message)), hex(V.box))
      assert.equal(hex(sealAfter(oddView(V.shared), oddView(V.nonce), oddView(V.message))), hex(V.box))
    })

    void test("NaCl vector: crypto_box_open / crypto_box_open_afternm", () => {
      use()
      assert.equal(hex(openAfter(V.shared, V.nonce, V.box)!), hex(V.message))
      assert.equal(hex(open(V.alicePublic, V.bobSecret, V.nonce, V.box)!), hex(V.message))
      assert.equal(hex(openAfter(oddView(V.shared), oddView(V.nonce), oddView(V.box))!), hex(V.message))
    })

    void test("agrees with tweetnacl's crypto_box on random keys and lengths 0..300", () => {
      use()
      for (let n = 0; n <= 300; n += n < 40 ? 1 : 37) {
        const a = nacl.box.keyPair()
        const b = generateKeyPair()
        const nonce = randomBytes(24)
        const msg = randomBytes(n)
        const k = precompute(a.publicKey, b.secretKey)
        assert.equal(hex(k), hex(nacl.box.before(a.publicKey, b.secretKey)), `beforenm, n=${n}`)
        assert.equal(hex(k), hex(precompute(b.publicKey, a.secretKey)), `beforenm symmetric, n=${n}`)
        const box = sealAfter(k, nonce, msg)
        assert.equal(box.length, n + MAC_BYTES)
        assert.equal(hex(box), hex(nacl.box(msg, nonce, a.publicKey, b.secretKey)), `box, n=${n}`)
        assert.equal(hex(openAfter(k, nonce, box)!), hex(msg))
        assert.equal(hex(nacl.box.open(box, nonce, b.publicKey, a.secretKey)!), hex(msg))
        assert.equal(hex(open(b.publicKey, a.secretKey, nonce, box)!), hex(msg))
      }
    })

    void test("keys from non-canonical and top-bit-set public keys agree with tweetnacl", () => {
      use()
      const sk = randomBytes(32)
      const keys: Uint8Array[] = []
      for (let d = 2n; d <= 18n; d++) keys.push(le32(P + d)) // u >= p, reduced mod p
      keys.push(le32(2n ** 255n - 1n)) // = 18 mod p
      for (let i = 0; i < 8; i++) keys.push(withTopBit(randomBytes(32)))
      keys.push(le32(9n), withTopBit(le32(9n)))
      for (const pk of keys) {
        assert.equal(isLowOrder(pk), false)
        assert.equal(hex(precompute(pk, sk)), hex(nacl.box.before(pk, sk)), hex(pk))
      }
    })

    void test("low-order public keys: precompute throws LowOrderKeyError, seal throws, open returns null", () => {
      use()
      const me = generateKeyPair()
      const box = sealAfter(randomBytes(32), randomBytes(24), randomBytes(10))
      for (const [name, pk] of ALL_LOW_ORDER) {
        assert.equal(isLowOrder(pk), true, name)
        assert.throws(() => precompute(pk, me.secretKey), LowOrderKeyError, name)
        assert.throws(() => precompute(pk, me.secretKey), RangeError, name)
        assert.throws(() => seal(pk, me.secretKey, randomBytes(24), randomBytes(5)), LowOrderKeyError, name)
        assert.equal(open(pk, me.secretKey, randomBytes(24), box), null, name)
      }
    })

    void test("round trips; bit flips in box, nonce or key make open fail", () => {
      use()
      const a = generateKeyPair()
      const b = generateKeyPair()
      const k = precompute(b.publicKey, a.secretKey)
      const nonce = randomBytes(24)
      const msg = Buffer.from("CurveZMQ MESSAGE payload")
      const box = sealAfter(k, nonce, msg)
      assert.equal(hex(openAfter(k, nonce, box)!), hex(msg))
      for (let bit = 0; bit < box.length * 8; bit++) {
        const bad = Uint8Array.from(box)
        bad[bit >> 3]! ^= 1 << (bit & 7)
        assert.equal(openAfter(k, nonce, bad), null, `box bit ${bit}`)
      }
      for (let bit = 0; bit < 24 * 8; bit++) {
        const bad = Uint8Array.from(nonce)
        bad[bit >> 3]! ^= 1 << (bit & 7)
        assert.equal(openAfter(k, bad, box), null, `nonce bit ${bit}`)
      }
      for (let bit = 0; bit < 32 * 8; bit += 7) {
        const bad = Uint8Array.from(k)
        bad[bit >> 3]! ^= 1 << (bit & 7)
        assert.equal(openAfter(bad, nonce, box), null, `key bit ${bit}`)
      }
      assert.equal(openAfter(k, nonce, box.subarray(0, box.length - 1)), null, "truncated")
      assert.equal(openAfter(k, nonce, Buffer.concat([box, Buffer.from([0])])), null, "extended")
      assert.equal(hex(openAfter(k, nonce, box)!), hex(msg), "the box itself is not modified")
    })

    void test("the wrong key pair cannot open", () => {
      use()
      const a = generateKeyPair()
      const b = generateKeyPair()
      const c = generateKeyPair()
      const nonce = randomBytes(24)
      const box = seal(b.publicKey, a.secretKey, nonce, Buffer.from("for b only"))
      assert.equal(Buffer.from(open(a.publicKey, b.secretKey, nonce, box)!).toString(), "for b only")
      assert.equal(open(a.publicKey, c.secretKey, nonce, box), null)
      assert.equal(open(c.publicKey, b.secretKey, nonce, box), null)
      assert.equal(openAfter(precompute(c.publicKey, b.secretKey), nonce, box), null)
    })

    void test("zeromq.curveKeyPair() keys: public key = publicFromSecret(secret key)", () => {
      use()
      for (let i = 0; i < 10; i++) {
        const { publicKey, secretKey } = zeromq.curveKeyPair()
        assert.equal(hex(publicFromSecret(z85Decode(secretKey))), hex(z85Decode(publicKey)))
      }
      // libzmq's test_security_curve keys (zmq_curve_public, libzmq 4.3.4)
      const pairs = [
        ["JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"],
        ["D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs", "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"],
      ]
      for (const [secret, pub] of pairs) {
        assert.equal(hex(publicFromSecret(z85Decode(secret!))), hex(z85Decode(pub!)))
      }
    })

    void test("a CurveZMQ handshake's boxes, end to end (RFC 26)", () => {
      use()
      const nonce = (prefix: string, tail: Uint8Array): Buffer => Buffer.concat([Buffer.from(prefix, "latin1"), tail])
      const short = (n: number): Buffer => {
        const b = Buffer.alloc(8)
        b.writeBigUInt64BE(BigInt(n))
        return b
      }
      const S = generateKeyPair() // server permanent
      const C = generateKeyPair() // client permanent
      // HELLO: Box[64 zeros](C'->S)
      const cT = generateKeyPair()
      const kCS = precompute(S.publicKey, cT.secretKey)
      const hello = sealAfter(kCS, nonce("CurveZMQHELLO---", short(1)), new Uint8Array(64))
      assert.equal(hello.length, 80)
      // server: open HELLO, WELCOME: Box[S' + cookie](S->C')
      const kSC = precompute(cT.publicKey, S.secretKey)
      assert.ok(openAfter(kSC, nonce("CurveZMQHELLO---", short(1)), hello))
      const sT = generateKeyPair()
      const cookieKey = boxRandomBytes(32)
      const cookieNonce = boxRandomBytes(16)
      const cookie = Buffer.concat([
        cookieNonce,
        sealAfter(cookieKey, nonce("COOKIE--", cookieNonce), Buffer.concat([cT.publicKey, sT.secretKey])),
      ])
      assert.equal(cookie.length, 96)
      const welcomeNonce = boxRandomBytes(16)
      const welcome = sealAfter(kSC, nonce("WELCOME-", welcomeNonce), Buffer.concat([sT.publicKey, cookie]))
      assert.equal(welcome.length, 144)
      // client: INITIATE: Box[C + vouch + metadata](C'->S'), vouch = Box[C',S](C->S')
      const w = openAfter(kCS, nonce("WELCOME-", welcomeNonce), welcome)!
      const sTpub = w.subarray(0, 32)
      const vouchNonce = boxRandomBytes(16)
      const vouch = sealAfter(
        precompute(sTpub, C.secretKey),
        nonce("VOUCH---", vouchNonce),
        Buffer.concat([cT.publicKey, S.publicKey]),
      )
      const kSessC = precompute(sTpub, cT.secretKey)
      const metadata = Buffer.from("\x0bSocket-Type\x00\x00\x00\x06DEALER", "latin1")
      const initiate = sealAfter(
        kSessC,
        nonce("CurveZMQINITIATE", short(2)),
        Buffer.concat([C.publicKey, vouchNonce, vouch, metadata]),
      )
      // server: cookie, INITIATE, vouch, READY
      const ck = openAfter(cookieKey, nonce("COOKIE--", w.subarray(32, 48)), w.subarray(48, 128))!
      assert.equal(hex(ck.subarray(0, 32)), hex(cT.publicKey))
      const kSessS = precompute(ck.subarray(0, 32), ck.subarray(32, 64))
      assert.equal(hex(kSessS), hex(kSessC))
      const ip = openAfter(kSessS, nonce("CurveZMQINITIATE", short(2)), initiate)!
      assert.equal(hex(ip.subarray(0, 32)), hex(C.publicKey))
      const v = openAfter(precompute(ip.subarray(0, 32), ck.subarray(32, 64)), nonce("VOUCH---", ip.subarray(32, 48)), ip.subarray(48, 128))!
      assert.equal(hex(v), hex(Buffer.concat([cT.publicKey, S.publicKey])))
      assert.equal(hex(ip.subarray(128)), hex(metadata))
      const ready = sealAfter(kSessS, nonce("CurveZMQREADY---", short(1)), metadata)
      assert.equal(hex(openAfter(kSessC, nonce("CurveZMQREADY---", short(1)), ready)!), hex(metadata))
    })
  })
}

void describe("crypto/box: in place and output buffers (the MESSAGE path)", () => {
  const key = randomBytes(32)

  void test("sealAfterInPlace builds a MESSAGE body in one buffer; openAfterInPlace opens it as received", () => {
    for (const n of [0, 1, 17, 64, 1000, 70000]) {
      const payload = randomBytes(n)
      const nonce = Buffer.concat([Buffer.from("CurveZMQMESSAGEC"), Buffer.from([0, 0, 0, 0, 0, 0, 0, 7])])
      // [16 header][16 MAC][flags + data]
      const body = Buffer.alloc(SEAL_HEADROOM + 1 + n, 0xaa) // headroom contents must not matter
      body[32] = 1 // MORE
      payload.copy(body, 33)
      const box = sealAfterInPlace(key, nonce, body)
      assert.equal(box.buffer, body.buffer, "a view of the same buffer")
      assert.equal(box.byteOffset, body.byteOffset + 16)
      assert.equal(hex(body.subarray(0, 16)), "00".repeat(16))
      assert.equal(hex(box), hex(sealAfter(key, nonce, Buffer.concat([Buffer.from([1]), payload]))))
      // the engine writes the header over the 16 zero bytes and sends body
      body.write("\x07MESSAGE", 0, "latin1")
      nonce.copy(body, 8, 16)
      const received = Buffer.from(body) // as read from the socket
      const pt = openAfterInPlace(key, nonce, received)!
      assert.ok(pt)
      assert.equal(pt.buffer, received.buffer)
      assert.equal(pt[0], 1)
      assert.equal(hex(pt.subarray(1)), hex(payload))
    }
  })

  void test("openAfterInPlace: failure returns null and leaves the buffer untouched", () => {
    const nonce = randomBytes(24)
    const body = Buffer.alloc(32 + 40)
    randomBytes(40).copy(body, 32)
    sealAfterInPlace(key, nonce, body)
    body[50]! ^= 0x10
    const before = Buffer.from(body)
    assert.equal(openAfterInPlace(key, nonce, body), null)
    assert.deepEqual(body, before)
  })

  void test("sealAfter/openAfter with reusable output buffers", () => {
    const sealOut = Buffer.alloc(1024 + SEAL_HEADROOM)
    const openOut = Buffer.alloc(1024 + MAC_BYTES + OPEN_HEADROOM)
    for (const n of [1024, 5, 0, 300]) {
      const nonce = randomBytes(24)
      const msg = randomBytes(n)
      const box = sealAfter(key, nonce, msg, sealOut)
      assert.equal(box.buffer, sealOut.buffer)
      assert.equal(box.length, n + 16)
      assert.equal(hex(box), hex(sealAfter(key, nonce, msg)))
      const pt = openAfter(key, nonce, box, openOut)!
      assert.equal(pt.buffer, openOut.buffer)
      assert.equal(hex(pt), hex(msg))
    }
    assert.throws(() => sealAfter(key, randomBytes(24), randomBytes(10), Buffer.alloc(41)), RangeError)
    const box = sealAfter(key, Buffer.alloc(24), randomBytes(10))
    assert.equal(openAfter(key, Buffer.alloc(24), box, Buffer.alloc(41)), null, "out too small: null, no throw")
  })

  void test("a plaintext already in place in the output buffer", () => {
    const nonce = randomBytes(24)
    const out = Buffer.alloc(32 + 100)
    randomBytes(100).copy(out, 32)
    const expected = hex(sealAfter(key, nonce, out.subarray(32)))
    assert.equal(hex(sealAfter(key, nonce, out.subarray(32), out)), expected)
  })
})

void describe("crypto/box: bad input", () => {
  const key = randomBytes(32)
  const nonce = randomBytes(24)

  void test("openAfter and open never throw: short boxes, bad lengths, wrong types", () => {
    for (let n = 0; n < 16; n++) {
      assert.equal(openAfter(key, nonce, new Uint8Array(n)), null, `box of ${n}`)
      assert.equal(openAfterInPlace(key, nonce, new Uint8Array(n + 16)), null, `in place, box of ${n}`)
    }
    assert.equal(openAfter(key, nonce, new Uint8Array(16)), null, "empty ciphertext, zero MAC")
    const box = sealAfter(key, nonce, new Uint8Array(0))
    assert.equal(box.length, 16)
    assert.equal(openAfter(key, nonce, box)!.length, 0, "an empty plaintext opens")
    assert.equal(openAfter(key.subarray(0, 31), nonce, box), null)
    assert.equal(openAfter(key, nonce.subarray(0, 23), box), null)
    assert.equal(openAfter(Buffer.concat([key, Buffer.alloc(1)]), nonce, box), null)
    const junk = [undefined, null, 42, "box", [1, 2, 3], {}] as unknown as Uint8Array[]
    for (const j of junk) {
      assert.equal(openAfter(key, nonce, j), null)
      assert.equal(openAfter(j, nonce, box), null)
      assert.equal(openAfter(key, j, box), null)
      assert.equal(openAfterInPlace(key, nonce, j), null)
      assert.equal(open(j, key, nonce, box), null)
      assert.equal(open(key, j, nonce, box), null)
      assert.equal(open(key, key, nonce, j), null)
    }
    assert.equal(open(randomBytes(31), key, nonce, box), null)
  })

  void test("seal side: bad lengths throw RangeError", () => {
    assert.throws(() => sealAfter(key.subarray(1), nonce, new Uint8Array(1)), RangeError)
    assert.throws(() => sealAfter(key, nonce.subarray(1), new Uint8Array(1)), RangeError)
    assert.throws(() => sealAfterInPlace(key, nonce, new Uint8Array(31)), RangeError)
    assert.throws(() => precompute(randomBytes(31), randomBytes(32)), RangeError)
    assert.throws(() => precompute(randomBytes(32), randomBytes(33)), RangeError)
    assert.throws(() => publicFromSecret(randomBytes(16)), RangeError)
  })
})

void describe("crypto/box: keys", () => {
  void test("the small-order list is libsodium's and really is small order", () => {
    assert.equal(
      hex(le32(ORDER8_A)),
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    )
    assert.equal(
      hex(le32(ORDER8_B)),
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    )
    // X25519 with any scalar gives all zeros (tweetnacl does not refuse)
    for (const [name, pk] of ALL_LOW_ORDER) {
      for (let i = 0; i < 3; i++) {
        assert.equal(hex(nacl.scalarMult(randomBytes(32), pk)), "00".repeat(32), name)
      }
    }
  })

  void test("isLowOrder is false for real public keys", () => {
    assert.equal(isLowOrder(V.alicePublic), false)
    assert.equal(isLowOrder(le32(9n)), false)
    for (let i = 0; i < 50; i++) assert.equal(isLowOrder(generateKeyPair().publicKey), false)
  })

  void test("generateKeyPair: 32-byte keys, public = X25519(secret, 9), fresh every time", () => {
    setX25519BackendForTesting(undefined)
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) {
      const kp = generateKeyPair()
      assert.equal(kp.publicKey.length, 32)
      assert.equal(kp.secretKey.length, 32)
      assert.equal(hex(kp.publicKey), hex(nacl.box.keyPair.fromSecretKey(Uint8Array.from(kp.secretKey)).publicKey))
      seen.add(hex(kp.secretKey))
    }
    assert.equal(seen.size, 20)
    assert.equal(boxRandomBytes(7).length, 7)
  })

  void test("a KeyCache gives the same keys as fresh imports, while a key is reused and after clear()", () => {
    const keys = new KeyCache()
    const mine = generateKeyPair(keys)
    assert.equal(hex(mine.publicKey), hex(publicFromSecret(mine.secretKey)))
    const peers = [generateKeyPair(), generateKeyPair(), generateKeyPair()]
    for (let round = 0; round < 2; round++) {
      for (const p of peers) {
        // both directions, the cached side twice: the second use takes the imported keys
        const expected = hex(precompute(mine.publicKey, p.secretKey))
        assert.equal(hex(precompute(p.publicKey, mine.secretKey, keys)), expected)
        assert.equal(hex(precompute(p.publicKey, mine.secretKey, keys)), expected)
      }
      keys.clear()
    }
    // A weak key is still refused with a cache, before anything is imported.
    assert.throws(() => precompute(new Uint8Array(32), mine.secretKey, keys), LowOrderKeyError)
    // generateKeyPair with the caller's random octets uses exactly those.
    const secret = randomBytes(32)
    assert.equal(hex(generateKeyPair(keys, secret).secretKey), hex(secret))
    assert.throws(() => generateKeyPair(keys, randomBytes(31)), RangeError)
  })

  void test("node:crypto X25519 under GC pressure does not hang (child process)", () => {
    // Node 20's JWK *export* of a generateKeyPairSync key can deadlock when a
    // GC lands inside it (the keygen job's destructor takes the key's mutex);
    // x25519.ts exports only keys it imported (a key pair's public key). Run
    // enough handshakes' worth of key work, with and without a KeyCache, to
    // go through many GCs, in a child so a hang is a timeout, not a stuck run.
    const box = fileURLToPath(new URL("../../src/crypto/box.ts", import.meta.url))
    const code = `
      const b = await import(${JSON.stringify(box)})
      if (b.x25519Backend() !== "node") throw new Error("not the node backend")
      const peer = b.generateKeyPair()
      let junk = []
      for (let i = 0; i < 3000; i++) {
        const keys = new b.KeyCache()
        const kp = b.generateKeyPair(i % 2 === 0 ? keys : undefined)
        b.precompute(peer.publicKey, kp.secretKey, keys)
        junk.push(new Array(200).fill(i))
        if (junk.length > 100) junk = []
      }
      console.log("ok")
    `
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      encoding: "utf8",
      timeout: scaled(60_000),
    })
    assert.equal(r.signal, null, `child hung or was killed: ${r.stderr}`)
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout.trim(), "ok")
  })
})
