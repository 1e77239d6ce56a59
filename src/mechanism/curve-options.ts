import { KeyCache, publicFromSecret, x25519Backend } from "../crypto/box.js"
import { zmqError } from "../errors.js"
import { CurveClient, CurveServer } from "./curve.js"
import type { Mechanism, MechanismContext } from "./mechanism.js"

/** The CURVE options of a socket (zeromq.js names), keys already decoded by the option setters. */
export interface CurveOptions {
  curveServer: boolean
  curvePublicKey: Uint8Array | null
  curveSecretKey: Uint8Array | null
  curveServerKey: Uint8Array | null
}

/**
 * Checks the options a CURVE socket needs before it binds or connects, so a
 * connection can never fail to build its mechanism: a server needs its secret
 * key, a client its key pair and the server's public key (as libzmq requires).
 * The keys themselves were validated when set.
 */
export function checkCurveOptions(opts: CurveOptions): void {
  if (opts.curveServer) {
    if (opts.curveSecretKey === null) throw zmqError("EINVAL", "a CURVE server needs curveSecretKey")
    return
  }
  if (opts.curveServerKey === null || opts.curvePublicKey === null || opts.curveSecretKey === null) {
    throw zmqError("EINVAL", "a CURVE client needs curveServerKey, curvePublicKey and curveSecretKey")
  }
}

/**
 * A socket's work on its long-term CURVE secret key, done at its first
 * connection and kept for the next ones: node:crypto's import of the key
 * (a scalar multiplication, ~36 us) and, for a server, its public key (which
 * it needs only to check the vouch's S; libzmq checks C' alone).
 * Option values are replaced when set, never mutated, so the key's
 * Uint8Array identity says whether it is still the same key; a different
 * one (an endpoint bound after the key changed) replaces what is kept.
 */
export class CurveKeyMemo {
  private secret: Uint8Array | null = null
  private publicKey: Uint8Array | null = null
  private readonly keys = new KeyCache()

  private use(secret: Uint8Array): void {
    if (secret === this.secret) return
    this.keys.clear()
    this.secret = secret
    this.publicKey = null
  }

  /** The public key of a server's `secret`. */
  serverPublicKey(secret: Uint8Array): Uint8Array {
    this.use(secret)
    return (this.publicKey ??= publicFromSecret(secret, this.keys))
  }

  /** A KeyCache for one connection that already holds `secret`'s import. */
  connectionKeys(secret: Uint8Array): KeyCache {
    this.use(secret)
    const keys = new KeyCache()
    if (x25519Backend() === "node") keys.adopt(this.keys, secret)
    return keys
  }
}

/** Builds the CURVE mechanism for a connection (options already checked). `memo`: the socket's, if it keeps one. */
export function makeCurve(opts: CurveOptions, ctx: MechanismContext, memo = new CurveKeyMemo()): Mechanism {
  const secret = opts.curveSecretKey!
  if (opts.curveServer) {
    // libzmq's server uses only its secret key; the public one follows from it.
    return new CurveServer(ctx, memo.serverPublicKey(secret), secret, memo.connectionKeys(secret))
  }
  return new CurveClient(ctx, opts.curveServerKey!, opts.curvePublicKey!, secret, memo.connectionKeys(secret))
}
