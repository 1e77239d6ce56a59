import { KeyCache, publicFromSecret } from "../crypto/box.js"
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

/** Builds the CURVE mechanism for a connection (options already checked). */
export function makeCurve(opts: CurveOptions, ctx: MechanismContext): Mechanism {
  const secret = opts.curveSecretKey!
  if (opts.curveServer) {
    // libzmq's server uses only its secret key; the public one follows from it.
    // The import of the secret made for that serves the HELLO box too.
    const keys = new KeyCache()
    return new CurveServer(ctx, publicFromSecret(secret, keys), secret, keys)
  }
  return new CurveClient(ctx, opts.curveServerKey!, opts.curvePublicKey!, secret)
}
