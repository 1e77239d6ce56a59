/**
 * XSalsa20-Poly1305 (NaCl crypto_secretbox, i.e. crypto_box_afternm) in the
 * in-place layout box.ts uses, with two backends:
 *  - "wasm": our own kernel (scripts/wasm/secretbox.c, embedded by
 *    scripts/build-wasm.mjs as src/crypto/secretbox-wasm.ts): Salsa20 four
 *    blocks at a time in SIMD128, poly1305-donna-32. 3-8x tweetnacl from
 *    1 KiB up (bench/crypto-compare.mjs; docs/performance.md).
 *  - "js": tweetnacl (nacl-fast), used when WebAssembly (or its SIMD) is
 *    missing, or when the kernel fails its known-answer self-test at load.
 * The module is compiled synchronously on first use (29 KiB: under every
 * engine's limit for synchronous compilation), so the API stays synchronous.
 *
 * The kernel has fixed buffers in its own memory, so data is copied in and
 * out (memcpy speed, small next to the cipher); a message longer than its
 * buffer goes through in pieces.
 */
import nacl from "tweetnacl"
import { SECRETBOX_WASM_BASE64 } from "./secretbox-wasm.js"

interface NaclLowLevel {
  crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number
  crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number
}
const ll = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel

// The few WebAssembly JS-API members used here: the project's TypeScript
// libs (ES2022 + @types/node 20) do not declare WebAssembly.
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}

interface KernelExports {
  memory: { buffer: ArrayBuffer }
  key_ptr(): number
  nonce_ptr(): number
  mac_ptr(): number
  data_ptr(): number
  chunk_size(): number
  box_init(): void
  seal_update(len: number, first: number): void
  auth_update(len: number): void
  decrypt_update(len: number, first: number): void
  box_mac(): void
  seal_one(len: number): void
  open_one(len: number): number
  box_verify(): number
  box_wipe(): void
}

/**
 * Both backends work on NaCl's padded layout: seal takes [32 zero][plaintext]
 * and leaves [16 zero][MAC][ciphertext]; open takes [16 ignored][MAC][ciphertext]
 * and, when the MAC is good, leaves [32 zero][plaintext] (else buf is untouched).
 */
interface Backend {
  readonly name: "wasm" | "js"
  seal(buf: Uint8Array, nonce: Uint8Array, key: Uint8Array): void
  /** seal() of [32][flags][data] built in `out` (data.length + 33 bytes), without copying data twice. */
  sealFrame(out: Uint8Array, flags: number, data: Uint8Array, nonce: Uint8Array, key: Uint8Array): void
  open(buf: Uint8Array, nonce: Uint8Array, key: Uint8Array): boolean
}

function frameInto(out: Uint8Array, flags: number, data: Uint8Array): void {
  out.fill(0, 0, 32)
  out[32] = flags
  out.set(data, 33)
}

const jsBackend: Backend = {
  name: "js",
  seal(buf, nonce, key) {
    ll.crypto_secretbox(buf, buf, buf.length, nonce, key)
  },
  sealFrame(out, flags, data, nonce, key) {
    frameInto(out, flags, data)
    ll.crypto_secretbox(out, out, out.length, nonce, key)
  },
  open(buf, nonce, key) {
    return ll.crypto_secretbox_open(buf, buf, buf.length, nonce, key) === 0
  },
}

function decodeBase64(s: string): Uint8Array {
  // atob is in Node >= 16, Deno, Bun and browsers alike
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function wasmBackend(): Backend | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (typeof wasm !== "object") return null
  let e: KernelExports
  try {
    const bytes = decodeBase64(SECRETBOX_WASM_BASE64)
    if (!wasm.validate(bytes)) return null // e.g. no SIMD128
    e = new wasm.Instance(new wasm.Module(bytes), {}).exports as KernelExports
  } catch {
    return null
  }
  // The memory has a fixed size (never grows), so this view stays valid.
  const mem = new Uint8Array(e.memory.buffer)
  const K = e.key_ptr()
  const N = e.nonce_ptr()
  const M = e.mac_ptr()
  const D = e.data_ptr()
  if (D !== M + 16) return null // the copies below rely on [MAC][DATA] being adjacent
  const CHUNK = e.chunk_size()
  // The first piece is 32 bytes longer: block 0's second half encrypts the
  // message's first 32 bytes, so later pieces start on a block boundary.
  const FIRST = CHUNK + 32

  const start = (nonce: Uint8Array, key: Uint8Array): void => {
    mem.set(key, K)
    mem.set(nonce, N)
    e.box_init()
  }

  return {
    name: "wasm",
    seal(buf, nonce, key) {
      const len = buf.length - 32
      if (len <= FIRST) {
        // the common case, one call: MAC and ciphertext come out in one copy
        mem.set(key, K)
        mem.set(nonce, N)
        mem.set(buf.subarray(32), D)
        e.seal_one(len)
        buf.set(mem.subarray(M, D + len), 16)
        buf.fill(0, 0, 16)
        return
      }
      start(nonce, key)
      let off = 32
      let first = 1
      do {
        const n = Math.min(buf.length - off, first === 1 ? FIRST : CHUNK)
        mem.set(buf.subarray(off, off + n), D)
        e.seal_update(n, first)
        buf.set(mem.subarray(D, D + n), off)
        off += n
        first = 0
      } while (off < buf.length)
      e.box_mac()
      buf.fill(0, 0, 16)
      buf.set(mem.subarray(M, M + 16), 16)
    },
    sealFrame(out, flags, data, nonce, key) {
      const len = data.length + 1
      if (len > FIRST) {
        frameInto(out, flags, data)
        this.seal(out, nonce, key)
        return
      }
      // the frame goes straight into the kernel's buffer, not through `out` first
      mem.set(key, K)
      mem.set(nonce, N)
      mem[D] = flags
      mem.set(data, D + 1)
      e.seal_one(len)
      out.set(mem.subarray(M, D + len), 16)
      out.fill(0, 0, 16)
    },
    open(buf, nonce, key) {
      const len = buf.length - 32
      mem.set(key, K)
      mem.set(nonce, N)
      if (len <= FIRST) {
        // one piece: MAC and ciphertext in with one copy, authenticated and decrypted in one call
        mem.set(buf.subarray(16), M)
        if (e.open_one(len) !== 0) {
          e.box_wipe()
          return false
        }
        buf.set(mem.subarray(D, D + len), 32)
      } else {
        e.box_init()
        mem.set(buf.subarray(16, 32), M)
        // authenticate everything first, then decrypt: buf stays untouched on failure
        for (let off = 0, first = true; off < len; first = false) {
          const n = Math.min(len - off, first ? FIRST : CHUNK)
          mem.set(buf.subarray(32 + off, 32 + off + n), D)
          e.auth_update(n)
          off += n
        }
        if (e.box_verify() !== 0) {
          e.box_wipe()
          return false
        }
        start(nonce, key)
        for (let off = 0, first = 1; off < len; first = 0) {
          const n = Math.min(len - off, first === 1 ? FIRST : CHUNK)
          mem.set(buf.subarray(32 + off, 32 + off + n), D)
          e.decrypt_update(n, first)
          buf.set(mem.subarray(D, D + n), 32 + off)
          off += n
        }
      }
      buf.fill(0, 0, 32)
      return true
    },
  }
}

/**
 * Known answers (MACs computed with tweetnacl) for two messages that take
 * every code path of the kernel: 100 bytes (block 0 and scalar tail blocks)
 * and 333 (a four-block pass and a partial Poly1305 block). Each must seal to
 * its MAC, open back to the message, and not open once changed. Answers
 * rather than a comparison with tweetnacl: a cold tweetnacl took 17-45 ms for
 * this at start-up, the kernel well under 1 ms.
 */
const KNOWN: readonly (readonly [number, string])[] = [
  [100, "5e85fa135b747758c2f32de4e3fe9afe"],
  [333, "61850c1cfa8db98aa15542e1d5b6c8e1"],
]

function passesKnownAnswers(b: Backend): boolean {
  const key = new Uint8Array(32).map((_, i) => i * 7 + 1)
  const nonce = new Uint8Array(24).map((_, i) => 255 - i * 3)
  for (const [len, mac] of KNOWN) {
    const byte = (i: number): number => (i * 131 + len) & 0xff
    const a = new Uint8Array(32 + len)
    for (let i = 0; i < len; i++) a[32 + i] = byte(i)
    b.seal(a, nonce, key)
    let hex = ""
    for (let i = 16; i < 32; i++) hex += a[i]!.toString(16).padStart(2, "0")
    if (hex !== mac) return false
    const bad = a.slice()
    bad[32 + (len >> 1)]! ^= 1
    if (b.open(bad, nonce, key)) return false
    if (!b.open(a, nonce, key)) return false
    for (let i = 0; i < len; i++) if (a[32 + i] !== byte(i)) return false
  }
  return true
}

let backend: Backend | undefined

function current(): Backend {
  if (backend === undefined) {
    const w = wasmBackend()
    backend = w !== null && passesKnownAnswers(w) ? w : jsBackend
  }
  return backend
}

/** Which XSalsa20-Poly1305 implementation is in use. */
export function secretboxBackend(): "wasm" | "js" {
  return current().name
}

/** For tests: force one implementation (undefined: choose again). Throws if "wasm" cannot load. */
export function setSecretboxBackendForTesting(name: "wasm" | "js" | undefined): void {
  if (name === "wasm") {
    const w = wasmBackend()
    if (w === null) throw new Error("the WebAssembly secretbox kernel does not load here")
    backend = w
  } else {
    backend = name === "js" ? jsBackend : undefined
  }
}

/** crypto_secretbox in place on [32 zero][plaintext]; see Backend. Lengths are the caller's job. */
export function secretboxSealPadded(buf: Uint8Array, nonce: Uint8Array, key: Uint8Array): void {
  current().seal(buf, nonce, key)
}

/** secretboxSealPadded of [32 zero][flags][data] assembled in `out` (exactly data.length + 33 bytes). */
export function secretboxSealFrame(out: Uint8Array, flags: number, data: Uint8Array, nonce: Uint8Array, key: Uint8Array): void {
  current().sealFrame(out, flags, data, nonce, key)
}

/** crypto_secretbox_open in place on [16 ignored][MAC][ciphertext]; false (buf untouched) if the MAC is wrong. */
export function secretboxOpenPadded(buf: Uint8Array, nonce: Uint8Array, key: Uint8Array): boolean {
  return current().open(buf, nonce, key)
}
