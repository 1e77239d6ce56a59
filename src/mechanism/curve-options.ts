import { zmqError } from "../errors.js"
import type { Mechanism, MechanismContext } from "./mechanism.js"

/** The CURVE options of a socket (zeromq.js names). */
export interface CurveOptions {
  curveServer: boolean
  curvePublicKey: string | null
  curveSecretKey: string | null
  curveServerKey: string | null
}

/** Builds the CURVE mechanism for a connection. */
export function makeCurve(_opts: CurveOptions, _ctx: MechanismContext): Mechanism {
  throw zmqError("ENOTSUP", "CURVE is not available yet")
}
