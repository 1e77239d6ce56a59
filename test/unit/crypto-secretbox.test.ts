import { after, describe, test } from "node:test"
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import nacl from "tweetnacl"
import { secretboxBackend, secretboxOpenPadded, secretboxSealFrame, secretboxSealPadded, setSecretboxBackendForTesting } from "../../src/crypto/secretbox.js"

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

// NaCl's secretbox test vector (tests/secretbox.c; libsodium test/default/secretbox.c):
// "firstkey" is crypto_box_beforenm of the RFC 7748 keys.
const V = {
  key: h("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389"),
  nonce: h("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37"),
  message: h(`
    be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc
    e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31
    0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde
    048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864
    5e0705`),
  box: h(`
    f3ffc7703f9400e52a7dfb4b3d3305d9
    8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a
    c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738
    b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da
    99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74
    e355a5`),
}

/** [32 zero][m] at an odd offset of a larger buffer, to catch byteOffset bugs. */
function padded(m: Uint8Array): Uint8Array {
  const backing = randomBytes(m.length + 32 + 7)
  const v = backing.subarray(3, 3 + 32 + m.length)
  v.fill(0, 0, 32)
  v.set(m, 32)
  return v
}

// Lengths around the kernel's boundaries: block 0's 32 spare bytes, 64-byte
// blocks, 256- and 512-byte SIMD groups (the 512-byte one MACs inside its
// rounds: from 32 + 512 bytes on when opening), 16-byte Poly1305 blocks, and
// its 64 KiB (+32 for the first) pieces.
const LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 95, 96, 97, 255, 256, 257, 288, 289, 543, 544, 545,
  560, 799, 800, 1024, 1055, 1056, 1057, 1568, 4095,
  65535, 65536, 65567, 65568, 65569, 65568 + 65536, 65568 + 65536 + 1, 300_001]

after(() => setSecretboxBackendForTesting(undefined))

void test("crypto/secretbox: the WebAssembly kernel is chosen in Node", () => {
  setSecretboxBackendForTesting(undefined)
  assert.equal(secretboxBackend(), "wasm")
})

for (const name of ["wasm", "js"] as const) {
  void describe(`crypto/secretbox (${name})`, () => {
    test.beforeEach(() => setSecretboxBackendForTesting(name))

    void test("NaCl's secretbox vector: seal and open", () => {
      const buf = padded(V.message)
      secretboxSealPadded(buf, V.nonce, V.key)
      assert.deepEqual(Buffer.from(buf.subarray(0, 16)), Buffer.alloc(16))
      assert.equal(Buffer.from(buf.subarray(16)).toString("hex"), V.box.toString("hex"))
      buf.fill(0xaa, 0, 16) // an open ignores the first 16 bytes
      assert.equal(secretboxOpenPadded(buf, V.nonce, V.key), true)
      assert.deepEqual(Buffer.from(buf.subarray(0, 32)), Buffer.alloc(32))
      assert.deepEqual(Buffer.from(buf.subarray(32)), V.message)
    })

    void test("same boxes as tweetnacl at every boundary length; opens its own", () => {
      for (const len of LENGTHS) {
        const key = randomBytes(32)
        const nonce = randomBytes(24)
        const m = randomBytes(len)
        const buf = padded(m)
        secretboxSealPadded(buf, nonce, key)
        const want = nacl.secretbox(m, nonce, key)
        assert.ok(Buffer.from(buf.subarray(16)).equals(Buffer.from(want)), `box of ${len} bytes`)
        assert.equal(secretboxOpenPadded(buf, nonce, key), true, `open of ${len} bytes`)
        assert.ok(Buffer.from(buf.subarray(32)).equals(m), `plaintext of ${len} bytes`)
      }
    })

    void test("sealFrame: the same box as sealing [flags][data], short and multi-piece", () => {
      for (const len of [0, 1, 64, 65566, 65567, 65568, 200_000]) {
        const key = randomBytes(32)
        const nonce = randomBytes(24)
        const data = randomBytes(len)
        const out = randomBytes(len + 33) // stale contents must not matter
        secretboxSealFrame(out, 0x01, data, nonce, key)
        const want = padded(Buffer.concat([Buffer.from([0x01]), data]))
        secretboxSealPadded(want, nonce, key)
        assert.ok(Buffer.from(out).equals(Buffer.from(want)), `frame of ${len} bytes`)
      }
    })

    void test("a changed MAC, ciphertext byte, nonce or key does not open, and leaves the buffer as it was", () => {
      for (const len of [0, 100, 70_000, 200_000]) {
        const key = randomBytes(32)
        const nonce = randomBytes(24)
        const sealed = padded(randomBytes(len))
        secretboxSealPadded(sealed, nonce, key)
        const spots = [16, 31, ...(len > 0 ? [32, 32 + len - 1, 32 + (len >> 1)] : [])]
        for (const at of spots) {
          const bad = Uint8Array.from(sealed)
          bad[at]! ^= 0x01
          const before = Uint8Array.from(bad)
          assert.equal(secretboxOpenPadded(bad, nonce, key), false, `flip at ${at} of ${len}`)
          assert.deepEqual(bad, before)
        }
        const otherNonce = Uint8Array.from(nonce)
        otherNonce[23]! ^= 0x80
        assert.equal(secretboxOpenPadded(Uint8Array.from(sealed), otherNonce, key), false)
        const otherKey = Uint8Array.from(key)
        otherKey[0]! ^= 0x01
        assert.equal(secretboxOpenPadded(Uint8Array.from(sealed), nonce, otherKey), false)
      }
    })
  })
}

void test("crypto/secretbox: the js backend passes the kernel's known answers too (they are tweetnacl's)", () => {
  setSecretboxBackendForTesting("js")
  const key = new Uint8Array(32).map((_, i) => i * 7 + 1)
  const nonce = new Uint8Array(24).map((_, i) => 255 - i * 3)
  for (const [len, mac] of [[100, "5e85fa135b747758c2f32de4e3fe9afe"], [333, "61850c1cfa8db98aa15542e1d5b6c8e1"]] as const) {
    const buf = new Uint8Array(32 + len)
    for (let i = 0; i < len; i++) buf[32 + i] = (i * 131 + len) & 0xff
    secretboxSealPadded(buf, nonce, key)
    assert.equal(Buffer.from(buf.subarray(16, 32)).toString("hex"), mac)
  }
})

void test("crypto/secretbox: where the kernel does not validate (no SIMD) the tweetnacl fallback is chosen and works (child process)", () => {
  const mod = fileURLToPath(new URL("../../src/crypto/secretbox.ts", import.meta.url))
  const code = `
    // (tsx itself needs WebAssembly, so it cannot simply be deleted here)
    WebAssembly.validate = () => false
    const s = await import(${JSON.stringify(mod)})
    const buf = new Uint8Array(32 + 100)
    s.secretboxSealPadded(buf, new Uint8Array(24), new Uint8Array(32))
    console.log(s.secretboxBackend(), s.secretboxOpenPadded(buf, new Uint8Array(24), new Uint8Array(32)))
  `
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), "js true")
})
