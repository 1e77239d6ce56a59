/**
 * X25519 (RFC 7748) for crypto_box's key agreement (box.ts): node:crypto's
 * native X25519 when it passes a known-answer test, else tweetnacl's pure-JS
 * scalar multiplication. Raw keys go in as JWK (OpenSSL 3's DER decoder is
 * ~10x slower). A public key is the one OpenSSL derives when it imports
 * the secret (that import is a scalar multiplication already), read back as
 * the JWK of createPublicKey(privateKey): ~8 us instead of a second scalar
 * multiplication (X25519(secret, 9), ~36 us). Only imported keys are ever
 * exported: Node 20.20's JWK export of a generateKeyPairSync key can
 * deadlock when a GC runs inside it, because KeyPairGenConfig's destructor
 * (a keygen job's) takes the key's mutex that the export holds; an imported
 * key belongs to no keygen job.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from "node:crypto"
import nacl from "tweetnacl"

interface NaclLowLevel {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): number
}
const ll = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel

export interface X25519 {
  readonly name: "node" | "js"
  /** X25519(scalar, u); null if the backend refuses (e.g. an all-zero result). `keys`: see KeyCache. */
  scalarMult(scalar: Uint8Array, u: Uint8Array, keys?: KeyCache): Uint8Array | null
  /** X25519(scalar, 9), the public key of a secret key; null if the backend fails. */
  publicKey(scalar: Uint8Array, keys?: KeyCache): Uint8Array | null
}

/**
 * node:crypto's imported form of the keys one owner (a CURVE connection)
 * uses more than once, so each is imported once: importing a private key
 * costs a scalar multiplication of its own (OpenSSL derives the public key),
 * about as much as the Diffie-Hellman itself (~36 us each, a public key
 * ~10 us). A CURVE server used 5 imports of private keys per handshake, now
 * 2. Entries are found by the identity of the key's Uint8Array, so a key
 * must not be changed while cached; clear() drops them (call it when the
 * secret keys are wiped). The tweetnacl backend ignores the cache.
 */
/** `key`'s KeyObject from `cache`, imported and kept there the first time. */
function imported(cache: Map<Uint8Array, KeyObject>, key: Uint8Array, load: (raw: Uint8Array) => KeyObject): KeyObject {
  let k = cache.get(key)
  if (k === undefined) {
    k = load(key)
    cache.set(key, k)
  }
  return k
}

export class KeyCache {
  private readonly privateKeys = new Map<Uint8Array, KeyObject>()
  private readonly publicKeys = new Map<Uint8Array, KeyObject>()

  /** @internal */
  privateKey(scalar: Uint8Array): KeyObject {
    return imported(this.privateKeys, scalar, importPrivate)
  }

  /** @internal */
  publicKey(u: Uint8Array): KeyObject {
    return imported(this.publicKeys, u, importPublic)
  }

  /**
   * @internal Holds `scalar`'s import from `from`, a longer-lived cache (a
   * socket's, for its long-term secret key), importing it there first if
   * needed: clear() then drops it here but not there. node backend only.
   */
  adopt(from: KeyCache, scalar: Uint8Array): void {
    this.privateKeys.set(scalar, from.privateKey(scalar))
  }

  clear(): void {
    this.privateKeys.clear()
    this.publicKeys.clear()
  }
}

export const BASE_POINT = new Uint8Array(32)
BASE_POINT[0] = 9

const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url")
const B64_BASE_POINT = b64url(BASE_POINT)

function importPrivate(scalar: Uint8Array): KeyObject {
  // Node's JWK importer requires "x" on a private key but derives the
  // public key from "d"; any well-formed x will do.
  return createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: b64url(scalar), x: B64_BASE_POINT }, format: "jwk" })
}

function importPublic(u: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(u) }, format: "jwk" })
}

const nodeX25519: X25519 = {
  name: "node",
  scalarMult(scalar, u, keys) {
    try {
      const privateKey = keys === undefined ? importPrivate(scalar) : keys.privateKey(scalar)
      const publicKey = keys === undefined ? importPublic(u) : keys.publicKey(u)
      const out = diffieHellman({ privateKey, publicKey })
      return out.length === 32 ? out : null
    } catch {
      return null // OpenSSL refuses an all-zero shared secret
    }
  },
  publicKey(scalar, keys) {
    try {
      const privateKey = keys === undefined ? importPrivate(scalar) : keys.privateKey(scalar)
      const x = createPublicKey(privateKey).export({ format: "jwk" }).x
      const out = typeof x === "string" ? Buffer.from(x, "base64url") : null
      return out !== null && out.length === 32 ? out : null
    } catch {
      return null
    }
  },
}

export const jsX25519: X25519 = {
  name: "js",
  scalarMult(scalar, u) {
    const q = new Uint8Array(32)
    ll.crypto_scalarmult(q, scalar, u)
    return q
  },
  publicKey(scalar) {
    return jsX25519.scalarMult(scalar, BASE_POINT)
  },
}

// RFC 7748 section 6.1: Alice's key pair and the Alice-Bob shared secret.
const KAT = {
  aliceSecret: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  alicePublic: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  bobPublic: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
  shared: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
}

function selfTest(x: X25519): boolean {
  try {
    const sk = Buffer.from(KAT.aliceSecret, "hex")
    const pk = x.scalarMult(sk, BASE_POINT)
    const derived = x.publicKey(sk)
    const shared = x.scalarMult(sk, Buffer.from(KAT.bobPublic, "hex"))
    return (
      pk !== null &&
      derived !== null &&
      shared !== null &&
      Buffer.from(pk).toString("hex") === KAT.alicePublic &&
      Buffer.from(derived).toString("hex") === KAT.alicePublic &&
      Buffer.from(shared).toString("hex") === KAT.shared
    )
  } catch {
    return false
  }
}

let backend: X25519 | undefined

export function x25519(): X25519 {
  backend ??= selfTest(nodeX25519) ? nodeX25519 : jsX25519
  return backend
}

/** Which X25519 implementation is in use: node:crypto ("node") or tweetnacl ("js"). */
export function x25519Backend(): "node" | "js" {
  return x25519().name
}

/** For tests: force one X25519 implementation (undefined: choose again). */
export function setX25519BackendForTesting(name: "node" | "js" | undefined): void {
  backend = name === undefined ? undefined : name === "node" ? nodeX25519 : jsX25519
}

