import { decodeMetadata, type Metadata } from "../codec/command.js"
import { ProtocolError } from "../codec/protocol-error.js"

/** The endpoint libzmq's ZAP handlers bind (RFC 27). */
export const ZAP_ENDPOINT = "zeromq.zap.01"

/** What a mechanism wants authenticated (RFC 27 "ZAP request"). */
export interface ZapRequest {
  domain: string
  address: string
  /** The server socket's own routing id, as libzmq sends it. */
  identity: Buffer
  mechanism: string
  credentials: Buffer[]
}

export interface ZapReply {
  status: 200 | 300 | 400 | 500
  statusText: string
  userId: string
  metadata: Metadata
}

/**
 * The request as libzmq's zap_client_t sends it: an empty delimiter (the
 * handler is a REP or ROUTER), then version "1.0", request id "1", domain,
 * address, identity, mechanism and the credentials.
 */
export function encodeZapRequest(req: ZapRequest): Buffer[] {
  return [
    Buffer.alloc(0),
    Buffer.from("1.0"),
    Buffer.from("1"),
    Buffer.from(req.domain),
    Buffer.from(req.address),
    req.identity,
    Buffer.from(req.mechanism),
    ...req.credentials,
  ]
}

/** Checks a ZAP reply as libzmq does (zap_client_t::receive_and_process_zap_reply). */
export function decodeZapReply(frames: Buffer[]): ZapReply {
  if (frames.length !== 7) throw new ProtocolError("ERR_ZAP_MALFORMED_REPLY", `ZAP reply has ${frames.length} frames, not 7`)
  const [delimiter, version, requestId, status, statusText, userId, metadata] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer]
  if (delimiter.length !== 0) throw new ProtocolError("ERR_ZAP_MALFORMED_REPLY", "ZAP reply lacks the empty delimiter")
  if (version.toString("latin1") !== "1.0") throw new ProtocolError("ERR_ZAP_BAD_VERSION", "ZAP reply version is not 1.0")
  if (requestId.toString("latin1") !== "1") throw new ProtocolError("ERR_ZAP_BAD_REQUEST_ID", "ZAP reply request id does not match")
  const code = status.toString("latin1")
  if (code !== "200" && code !== "300" && code !== "400" && code !== "500") {
    throw new ProtocolError("ERR_ZAP_INVALID_STATUS_CODE", `ZAP reply status ${JSON.stringify(code)} is invalid`)
  }
  let props: Metadata
  try {
    props = decodeMetadata(metadata)
  } catch {
    throw new ProtocolError("ERR_ZAP_INVALID_METADATA", "ZAP reply metadata is malformed")
  }
  return {
    status: Number(code) as ZapReply["status"],
    statusText: statusText.toString("utf8"),
    userId: userId.toString("utf8"),
    metadata: props,
  }
}

/** The peer was refused by authentication (RFC 27 status 300, 400 or 500). */
export class AuthError extends Error {
  readonly status: number
  /** Commands to send the peer before closing (an ERROR for 400/500). */
  readonly farewell: Buffer[]
  constructor(status: number, message: string, farewell: Buffer[]) {
    super(message)
    this.name = "AuthError"
    this.status = status
    this.farewell = farewell
  }
}
