/**
 * node:crypto for the browser build: random octets from WebCrypto's
 * getRandomValues. There is no synchronous X25519 in a browser (WebCrypto's
 * is deriveBits, a promise, and CURVE's key pairs and handshake are
 * synchronous in zmq-ts as in zeromq.js), so the key functions throw and
 * box.ts falls back to tweetnacl's X25519, as it does wherever Node's native
 * one is missing or fails its self-test.
 */
import { Buffer } from "../buffer.js"

/** getRandomValues fills at most 65536 octets per call (WebCrypto). */
const MAX_RANDOM = 65536

export function randomFillSync<T extends Uint8Array>(buf: T): T {
  for (let at = 0; at < buf.length; at += MAX_RANDOM) {
    globalThis.crypto.getRandomValues(buf.subarray(at, Math.min(buf.length, at + MAX_RANDOM)))
  }
  return buf
}

export function randomBytes(n: number): Buffer {
  return randomFillSync(Buffer.alloc(n))
}

function unavailable(): never {
  throw new Error("no synchronous X25519 in the browser (tweetnacl is used instead)")
}

export const createPrivateKey = unavailable
export const createPublicKey = unavailable
export const diffieHellman = unavailable
