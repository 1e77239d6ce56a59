/**
 * A violation of the wire protocol by the peer. It always ends that one
 * connection and never reaches the application as a rejected call. `reason`
 * uses zeromq.js's handshake error names (ERR_ZMTP_* / ERR_ZAP_*), which the
 * Observer reports in `handshake:error:protocol` events.
 */
export type ProtocolErrorReason =
  | "ERR_ZMTP_UNSPECIFIED"
  | "ERR_ZMTP_UNEXPECTED_COMMAND"
  | "ERR_ZMTP_INVALID_SEQUENCE"
  | "ERR_ZMTP_KEY_EXCHANGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"
  | "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_HELLO"
  | "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"
  | "ERR_ZMTP_MALFORMED_COMMAND_ERROR"
  | "ERR_ZMTP_MALFORMED_COMMAND_READY"
  | "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"
  | "ERR_ZMTP_INVALID_METADATA"
  | "ERR_ZMTP_CRYPTOGRAPHIC"
  | "ERR_ZMTP_MECHANISM_MISMATCH"
  | "ERR_ZAP_UNSPECIFIED"
  | "ERR_ZAP_MALFORMED_REPLY"
  | "ERR_ZAP_BAD_REQUEST_ID"
  | "ERR_ZAP_BAD_VERSION"
  | "ERR_ZAP_INVALID_STATUS_CODE"
  | "ERR_ZAP_INVALID_METADATA"
  /** Not a handshake error: a frame larger than maxMessageSize (libzmq: EMSGSIZE). */
  | "EMSGSIZE"
  /** Not a handshake error: a malformed frame header after the handshake. */
  | "EPROTO"
  /**
   * zmq-ts's own: the peer went past a memory limit of ours (a message larger
   * than receiveMemoryLimit, too many subscriptions). Reported on the
   * `disconnect` event, so that the operator can tell it from a network fault.
   */
  | "ENOBUFS"

export class ProtocolError extends Error {
  readonly reason: ProtocolErrorReason
  constructor(reason: ProtocolErrorReason, message: string) {
    super(message)
    this.name = "ProtocolError"
    this.reason = reason
  }
}
