/**
 * A handshake that failed for a reason that is neither the peer's protocol
 * error nor an authentication refusal (zeromq.js `handshake:error:other`),
 * e.g. a required ZAP handler that is not bound (libzmq reports EFAULT).
 */
export class MechanismFailure extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = "MechanismFailure"
    this.code = code
  }
}
