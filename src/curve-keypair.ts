import { generateKeyPair } from "./crypto/box.js"
import { z85Encode } from "./crypto/z85.js"

/**
 * A new CURVE key pair as Z85 text, like zeromq.js `curveKeyPair()`
 * (zmq_curve_keypair): `publicKey` and `secretKey`, 40 characters each.
 * Give a server's secret key to `curveSecretKey` (with `curveServer`), and
 * its public key to its clients' `curveServerKey`.
 */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const pair = generateKeyPair()
  return { publicKey: z85Encode(pair.publicKey), secretKey: z85Encode(pair.secretKey) }
}
