/**
 * NaCl crypto_box (Curve25519-XSalsa20-Poly1305) for CURVE (RFC 25/26), in
 * the shape CurveZMQ uses it: boxes on the wire are MAC(16) + ciphertext,
 * i.e. NaCl's box without its 16 leading zero bytes.
 *
 * Implementation, chosen by measurement (bench/crypto-compare.mjs):
 *  - X25519 (key pairs, crypto_box_beforenm's scalar multiplication) in
 *    x25519.ts: node:crypto's native X25519, 6-8x faster than the pure-JS
 *    ladders, or tweetnacl's if the native path is missing or fails its
 *    known-answer self-test.
 *  - XSalsa20-Poly1305 (crypto_box_afternm / open_afternm) through
 *    secretbox.ts: our own WebAssembly SIMD kernel, or tweetnacl where
 *    WebAssembly is unavailable. A MESSAGE is sealed and opened inside the
 *    command buffer itself (sealAfterInPlace, openAfterInPlace).
 *  - HSalsa20 for precompute() from tweetnacl (once per key, not per box).
 *
 * Weak keys: like libsodium, precompute() (and so seal()) rejects a public
 * key of small order, which would make the shared secret all zero whatever
 * our secret is, by THROWING a LowOrderKeyError (libsodium's
 * crypto_box_beforenm returns -1). The check is libsodium's blocklist (top
 * bit ignored) before the multiplication, plus an all-zero check after it.
 * open() returns null for such a key instead, as crypto_box_open does.
 */
import { randomBytes as nodeRandomBytes } from "node:crypto"
import nacl from "tweetnacl"
import { secretboxOpenPadded, secretboxSealFrame, secretboxSealPadded } from "./secretbox.js"
import { jsX25519, KeyCache, x25519 } from "./x25519.js"

export { KeyCache, setX25519BackendForTesting, x25519Backend } from "./x25519.js"

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 32
/** crypto_box_BEFORENMBYTES: the precomputed key. */
export const SHARED_KEY_BYTES = 32
export const NONCE_BYTES = 24
/** crypto_box_MACBYTES: a box is this much longer than its plaintext. */
export const MAC_BYTES = 16
/**
 * crypto_box_ZEROBYTES: room the in-place seal needs in front of the
 * plaintext. The first 16 bytes are zero afterwards, the next 16 the MAC.
 */
export const SEAL_HEADROOM = 32
/**
 * crypto_box_BOXZEROBYTES: room the in-place open needs in front of a box.
 * Its contents are ignored (a CurveZMQ MESSAGE has its command name and
 * short nonce there, exactly 16 bytes).
 */
export const OPEN_HEADROOM = 16

export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** A peer public key of small order (an all-zero X25519 shared secret). */
export class LowOrderKeyError extends RangeError {
  readonly code = "ELOWORDER"
  constructor() {
    super("public key has small order (X25519 shared secret would be all zero)")
    this.name = "LowOrderKeyError"
  }
}

// ---------------------------------------------------------------------------
// tweetnacl's low-level API (not in its .d.ts). All functions return 0 on
// success, -1 on failure; lengths are the caller's responsibility.

interface NaclLowLevel {
  crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number
}
const ll = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel

/** "expand 32-byte k" */
const SIGMA = new Uint8Array([
  0x65, 0x78, 0x70, 0x61, 0x6e, 0x64, 0x20, 0x33, 0x32, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x20, 0x6b,
])
const ZERO16 = new Uint8Array(16)

// ---------------------------------------------------------------------------
// Small-order points: libsodium's blocklist (crypto_scalarmult_curve25519
// ref10 has_small_order), compared with the top bit of byte 31 cleared, as
// X25519 itself ignores it.

const ff = (first: number): number[] => [first, ...new Array<number>(30).fill(0xff), 0x7f]
const LOW_ORDER: readonly Uint8Array[] = [
  new Uint8Array(32), // 0 (order 4)
  new Uint8Array([1, ...new Array<number>(31).fill(0)]), // 1 (order 1)
  // 325606250916557431795983626356110631294008115727848805560023387167927233504 (order 8)
  new Uint8Array([
    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
    0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
  ]),
  // 39382357235489614581723060781553021112529911719440698176882885853963445705823 (order 8)
  new Uint8Array([
    0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
    0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
  ]),
  new Uint8Array(ff(0xec)), // p - 1 (order 2)
  new Uint8Array(ff(0xed)), // p, i.e. 0 (order 4)
  new Uint8Array(ff(0xee)), // p + 1, i.e. 1 (order 1)
]

/**
 * True if `publicKey` (32 bytes) is one of the Curve25519 points of small
 * order, in any of its encodings (libsodium's list; the top bit is ignored).
 * Runs in time independent of the key.
 */
export function isLowOrder(publicKey: Uint8Array): boolean {
  let found = 0
  for (const bad of LOW_ORDER) {
    let diff = 0
    for (let i = 0; i < 31; i++) diff |= publicKey[i]! ^ bad[i]!
    diff |= (publicKey[31]! & 0x7f) ^ bad[31]!
    found |= ((diff - 1) >>> 8) & 1 // 1 iff diff === 0
  }
  return found !== 0
}

function isAllZero(b: Uint8Array): boolean {
  let acc = 0
  for (let i = 0; i < b.length; i++) acc |= b[i]!
  return acc === 0
}

// ---------------------------------------------------------------------------
// Keys

function checkLength(what: string, b: Uint8Array, n: number): void {
  if (!(b instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`)
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`)
}

/** `n` cryptographically strong random bytes (node:crypto). */
export function randomBytes(n: number): Buffer {
  return nodeRandomBytes(n)
}

/** The public key X25519(secret, 9) for a 32-byte secret key (crypto_scalarmult_base). */
export function publicFromSecret(secretKey: Uint8Array, keys?: KeyCache): Uint8Array {
  checkLength("secret key", secretKey, SECRET_KEY_BYTES)
  // null (node:crypto failing) cannot happen for a well-formed key; fall back rather than fail
  return x25519().publicKey(secretKey, keys) ?? jsX25519.publicKey(secretKey)!
}

/**
 * A fresh key pair, as crypto_box_keypair: 32 random bytes as the secret key
 * (stored unclamped, X25519 clamps when it uses it) and its public key.
 * `random`: the 32 secret bytes, when the caller drew them already.
 */
export function generateKeyPair(keys?: KeyCache, random?: Buffer): KeyPair {
  const secretKey = random ?? randomBytes(SECRET_KEY_BYTES)
  checkLength("secret key", secretKey, SECRET_KEY_BYTES)
  return { publicKey: publicFromSecret(secretKey, keys), secretKey }
}

/**
 * crypto_box_beforenm: the 32-byte key for boxes between us and a peer,
 * HSalsa20(X25519(mySecret, theirPublic)). Throws LowOrderKeyError for a
 * small-order public key and RangeError for keys that are not 32 bytes.
 * `keys`: imports of both keys are kept there for the next use (KeyCache).
 */
export function precompute(theirPublic: Uint8Array, mySecret: Uint8Array, keys?: KeyCache): Uint8Array {
  checkLength("public key", theirPublic, PUBLIC_KEY_BYTES)
  checkLength("secret key", mySecret, SECRET_KEY_BYTES)
  if (isLowOrder(theirPublic)) throw new LowOrderKeyError()
  // node:crypto reports failure as null: ask tweetnacl whether that was a
  // weak key rather than trusting the reason.
  const shared = x25519().scalarMult(mySecret, theirPublic, keys) ?? jsX25519.scalarMult(mySecret, theirPublic)!
  if (isAllZero(shared)) throw new LowOrderKeyError()
  const key = new Uint8Array(SHARED_KEY_BYTES)
  ll.crypto_core_hsalsa20(key, ZERO16, shared, SIGMA)
  shared.fill(0)
  return key
}

// ---------------------------------------------------------------------------
// Boxes with a precomputed key (crypto_box_afternm / crypto_box_open_afternm,
// i.e. crypto_secretbox). Plaintext, box and buffers may be any Uint8Array or
// Buffer views.

/**
 * Seals in place. `buf` is [SEAL_HEADROOM bytes, contents ignored][plaintext].
 * Afterwards buf[0..16) is zero, buf[16..32) the MAC and buf[32..) the
 * ciphertext; returns the box, buf.subarray(16) (a view, not a copy).
 * For a CurveZMQ MESSAGE, buf is the whole command body: fill in the
 * 16-byte "\x07MESSAGE" + short nonce header over buf[0..16) afterwards.
 */
export function sealAfterInPlace(key: Uint8Array, nonce: Uint8Array, buf: Uint8Array): Uint8Array {
  checkLength("key", key, SHARED_KEY_BYTES)
  checkLength("nonce", nonce, NONCE_BYTES)
  if (!(buf instanceof Uint8Array) || buf.length < SEAL_HEADROOM) {
    throw new RangeError(`seal buffer must have at least ${SEAL_HEADROOM} bytes of headroom`)
  }
  buf.fill(0, 0, SEAL_HEADROOM)
  secretboxSealPadded(buf, nonce, key)
  return buf.subarray(OPEN_HEADROOM)
}

/**
 * sealAfterInPlace of one byte of flags followed by `data`, built in `out`
 * (exactly data.length + 33 bytes): afterwards out[0..16) is zero,
 * out[16..32) the MAC and out[32..) the box of [flags][data]. The CurveZMQ
 * MESSAGE body of one frame, sealed without first copying the frame into `out`.
 */
export function sealFrameAfter(key: Uint8Array, nonce: Uint8Array, flags: number, data: Uint8Array, out: Uint8Array): void {
  checkLength("key", key, SHARED_KEY_BYTES)
  checkLength("nonce", nonce, NONCE_BYTES)
  if (!(out instanceof Uint8Array) || out.length !== data.length + 33) {
    throw new RangeError("frame output buffer must be exactly data length + 33 bytes")
  }
  secretboxSealFrame(out, flags, data, nonce, key)
}

/**
 * crypto_box_afternm: returns MAC(16) + ciphertext, the bytes CurveZMQ puts
 * on the wire. With `out` (at least plaintext.length + SEAL_HEADROOM bytes,
 * reusable) the box is built there and a view of it is returned; otherwise a
 * new buffer is allocated. Throws RangeError for a bad key/nonce length.
 */
export function sealAfter(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Uint8Array {
  const n = plaintext.length + SEAL_HEADROOM
  let buf: Uint8Array
  if (out === undefined) {
    buf = Buffer.allocUnsafe(n)
  } else {
    if (!(out instanceof Uint8Array) || out.length < n) {
      throw new RangeError(`output buffer must be at least plaintext length + ${SEAL_HEADROOM} bytes`)
    }
    buf = out.length === n ? out : out.subarray(0, n)
  }
  buf.set(plaintext, SEAL_HEADROOM)
  return sealAfterInPlace(key, nonce, buf)
}

function validKeyNonce(key: unknown, nonce: unknown): boolean {
  return (
    key instanceof Uint8Array &&
    key.length === SHARED_KEY_BYTES &&
    nonce instanceof Uint8Array &&
    nonce.length === NONCE_BYTES
  )
}

/**
 * Opens in place. `buf` is [OPEN_HEADROOM bytes, contents ignored][MAC][ciphertext]
 * (a CurveZMQ MESSAGE command body as received: the headroom is its name and
 * short nonce, so build the 24-byte nonce before calling). On success
 * buf[0..32) is zeroed, buf[32..) holds the plaintext and that view is
 * returned. On failure (bad MAC, buffer shorter than 32 bytes, bad
 * key/nonce) returns null and leaves buf untouched. Never throws.
 */
export function openAfterInPlace(key: Uint8Array, nonce: Uint8Array, buf: Uint8Array): Uint8Array | null {
  if (!validKeyNonce(key, nonce) || !(buf instanceof Uint8Array) || buf.length < OPEN_HEADROOM + MAC_BYTES) {
    return null
  }
  if (!secretboxOpenPadded(buf, nonce, key)) return null
  return buf.subarray(SEAL_HEADROOM)
}

/**
 * crypto_box_open_afternm on a box (MAC + ciphertext, at least 16 bytes).
 * Returns the plaintext, or null if the box does not authenticate or any
 * input is malformed; never throws. The box itself is not modified. With
 * `out` (at least box.length + OPEN_HEADROOM bytes, reusable) the plaintext
 * is written there and a view of it returned.
 */
export function openAfter(key: Uint8Array, nonce: Uint8Array, box: Uint8Array, out?: Uint8Array): Uint8Array | null {
  if (!(box instanceof Uint8Array) || box.length < MAC_BYTES || !validKeyNonce(key, nonce)) return null
  const n = box.length + OPEN_HEADROOM
  let buf: Uint8Array
  if (out === undefined) {
    buf = Buffer.allocUnsafe(n)
  } else {
    if (!(out instanceof Uint8Array) || out.length < n) return null
    buf = out.length === n ? out : out.subarray(0, n)
  }
  buf.set(box, OPEN_HEADROOM)
  return openAfterInPlace(key, nonce, buf)
}

// ---------------------------------------------------------------------------
// One-shot boxes (crypto_box / crypto_box_open)

/**
 * crypto_box: precompute + sealAfter. Throws LowOrderKeyError for a
 * small-order public key, RangeError for bad lengths.
 */
export function seal(theirPublic: Uint8Array, mySecret: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return sealAfter(precompute(theirPublic, mySecret), nonce, plaintext)
}

/**
 * crypto_box_open: the plaintext, or null if the box does not authenticate,
 * the public key has small order, or any input is malformed. Never throws.
 */
export function open(theirPublic: Uint8Array, mySecret: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array | null {
  let key: Uint8Array
  try {
    key = precompute(theirPublic, mySecret)
  } catch {
    return null
  }
  return openAfter(key, nonce, box)
}
