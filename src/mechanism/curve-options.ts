import { publicFromSecret } from "../crypto/box.js"
import { isZ85, z85Decode } from "../crypto/z85.js"
import { zmqError } from "../errors.js"
import { CurveClient, CurveServer } from "./curve.js"
import type { Mechanism, MechanismContext } from "./mechanism.js"

/** The CURVE options of a socket (zeromq.js names): Z85 text (40 chars) or 32 raw bytes. */
export interface CurveOptions {
  curveServer: boolean
  curvePublicKey: string | Buffer | null
  curveSecretKey: string | Buffer | null
  curveServerKey: string | Buffer | null
}

/** Decodes a key given as Z85 text or raw bytes; throws EINVAL otherwise. */
export function curveKey(value: string | Uint8Array, name: string): Uint8Array {
  if (typeof value === "string") {
    if (!isZ85(value, 32)) throw zmqError("EINVAL", `${name} must be 40 characters of Z85 or 32 bytes`)
    return z85Decode(value)
  }
  if (value instanceof Uint8Array && value.length === 32) return Uint8Array.from(value)
  throw zmqError("EINVAL", `${name} must be 40 characters of Z85 or 32 bytes`)
}

/**
 * Checks the options a CURVE socket needs before it binds or connects, so a
 * connection can never fail to build its mechanism: a server needs its secret
 * key, a client its key pair and the server's public key (as libzmq requires).
 */
export function checkCurveOptions(opts: CurveOptions): void {
  if (opts.curveServer) {
    if (opts.curveSecretKey === null) throw zmqError("EINVAL", "a CURVE server needs curveSecretKey")
    curveKey(opts.curveSecretKey, "curveSecretKey")
    if (opts.curvePublicKey !== null) curveKey(opts.curvePublicKey, "curvePublicKey")
    return
  }
  if (opts.curveServerKey === null || opts.curvePublicKey === null || opts.curveSecretKey === null) {
    throw zmqError("EINVAL", "a CURVE client needs curveServerKey, curvePublicKey and curveSecretKey")
  }
  curveKey(opts.curveServerKey, "curveServerKey")
  curveKey(opts.curvePublicKey, "curvePublicKey")
  curveKey(opts.curveSecretKey, "curveSecretKey")
}

/** Builds the CURVE mechanism for a connection (options already checked). */
export function makeCurve(opts: CurveOptions, ctx: MechanismContext): Mechanism {
  const secret = curveKey(opts.curveSecretKey!, "curveSecretKey")
  if (opts.curveServer) {
    // libzmq's server uses only its secret key; the public one follows from it.
    return new CurveServer(ctx, publicFromSecret(secret), secret)
  }
  return new CurveClient(ctx, curveKey(opts.curveServerKey!, "curveServerKey"), curveKey(opts.curvePublicKey!, "curvePublicKey"), secret)
}
