/**
 * The HTTP/1.1 upgrade of RFC 6455 section 4 with the ZWS 2.0 subprotocols
 * of RFC 45 "Handshake", sans-I/O: requests and responses are built and
 * parsed from bytes; the caller owns the connection.
 */
import { createHash, randomBytes } from "node:crypto"
import { ProtocolError } from "../../codec/protocol-error.js"
import { BARE_ZWS, type ZwsMechanism } from "./zws-codec.js"

export type { ZwsMechanism }

/** RFC 6455 1.3: the GUID appended to the key before hashing. */
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/** Bound on the request or response head: a peer cannot make us buffer more. */
export const MAX_HEAD = 8 * 1024

/**
 * The subprotocols a client offers, as libzmq 4.3.5 does (ws_engine.cpp
 * start_ws_handshake): NULL also offers bare "ZWS2.0", which a server picks
 * only when it does not know "ZWS2.0/NULL".
 */
export function offeredProtocols(mechanism: ZwsMechanism): string[] {
  return mechanism === "NULL" ? ["ZWS2.0/NULL", "ZWS2.0"] : [`ZWS2.0/${mechanism}`]
}

/**
 * What a server accepts: "ZWS2.0/<its mechanism>", and with NULL also bare
 * "ZWS2.0" (RFC 45 "No Mechanism": routing ids, no READY), which is all a
 * browser can offer. Like libzmq (ws_engine select_protocol), a PLAIN or
 * CURVE server refuses bare ZWS2.0: it would skip the security it demands.
 */
function acceptable(mechanism: ZwsMechanism, protocol: string): boolean {
  return protocol === `ZWS2.0/${mechanism}` || (mechanism === "NULL" && protocol === BARE_ZWS)
}

export function acceptKey(key: string): string {
  return createHash("sha1").update(key + WS_GUID).digest("base64")
}

export function newKey(): string {
  return randomBytes(16).toString("base64")
}

/** The client's upgrade request (RFC 6455 4.1, RFC 45 "Handshake"). */
export function encodeRequest(host: string, path: string, key: string, mechanism: ZwsMechanism): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Protocol: ${offeredProtocols(mechanism).join(",")}\r\n` +
      `Sec-WebSocket-Version: 13\r\n\r\n`,
    "latin1",
  )
}

export function encodeResponse(key: string, protocol: string): Buffer {
  return Buffer.from(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    "latin1",
  )
}

/** Sent before closing on a request we refuse (RFC 45 allows BAD REQUEST or a silent close). */
export const BAD_REQUEST = Buffer.from("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", "latin1")

/**
 * Accumulates a request or response head up to the blank line. Returns the
 * head and what followed it, or null while incomplete; throws past MAX_HEAD.
 */
export class HeadReader {
  private chunks: Buffer[] = []
  private bytes = 0

  push(chunk: Buffer): { head: string; rest: Buffer } | null {
    this.chunks.push(chunk)
    this.bytes += chunk.length
    const all = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.bytes)
    this.chunks = [all]
    const end = all.indexOf("\r\n\r\n", 0, "latin1")
    if (end < 0) {
      if (this.bytes > MAX_HEAD) throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "WebSocket upgrade head too long")
      return null
    }
    if (end + 4 > MAX_HEAD) throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "WebSocket upgrade head too long")
    this.chunks = []
    return { head: all.toString("latin1", 0, end), rest: all.subarray(end + 4) }
  }
}

interface Head {
  startLine: string
  headers: Map<string, string[]>
}

function parseHead(head: string): Head {
  const lines = head.split("\r\n")
  const headers = new Map<string, string[]>()
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(":")
    if (colon <= 0) throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "malformed HTTP header line")
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    const list = headers.get(name)
    if (list) list.push(value)
    else headers.set(name, [value])
  }
  return { startLine: lines[0]!, headers }
}

/** Comma-separated tokens of every occurrence of a header (RFC 7230 3.2.2). */
function tokens(h: Head, name: string): string[] {
  return (h.headers.get(name) ?? []).flatMap((v) => v.split(",")).map((t) => t.trim()).filter((t) => t.length > 0)
}

function single(h: Head, name: string): string | undefined {
  return h.headers.get(name)?.[0]
}

function bad(message: string): ProtocolError {
  return new ProtocolError("ERR_ZMTP_UNSPECIFIED", `WebSocket upgrade: ${message}`)
}

/**
 * Checks a client's request and picks the subprotocol: the first one the
 * client lists that we accept (libzmq's server takes them in the client's
 * order too). The request path is not checked: libzmq's listener serves one
 * socket per port whatever the path, and so do we.
 */
export function acceptRequest(head: string, mechanism: ZwsMechanism): { key: string; protocol: string } {
  const h = parseHead(head)
  if (!/^GET \S+ HTTP\/1\.1$/.test(h.startLine)) throw bad("not an HTTP/1.1 GET request")
  if (!tokens(h, "upgrade").some((t) => t.toLowerCase() === "websocket")) throw bad("no Upgrade: websocket")
  if (!tokens(h, "connection").some((t) => t.toLowerCase() === "upgrade")) throw bad("no Connection: Upgrade")
  const key = single(h, "sec-websocket-key")
  if (key === undefined || key.length === 0) throw bad("no Sec-WebSocket-Key")
  // libzmq does not look at Sec-WebSocket-Version; we accept 13 or its absence likewise.
  const protocol = tokens(h, "sec-websocket-protocol").find((p) => acceptable(mechanism, p))
  if (protocol === undefined) {
    throw bad(`no ZWS2.0/${mechanism}${mechanism === "NULL" ? " or ZWS2.0" : ""} among the offered subprotocols`)
  }
  return { key, protocol }
}

/** Checks the server's reply to our request (RFC 6455 4.1, the client's duties). */
export function checkResponse(head: string, key: string, mechanism: ZwsMechanism): string {
  const h = parseHead(head)
  if (!/^HTTP\/1\.1 101( |$)/.test(h.startLine)) throw bad(`server answered "${h.startLine.slice(0, 64)}"`)
  if (!tokens(h, "upgrade").some((t) => t.toLowerCase() === "websocket")) throw bad("no Upgrade: websocket")
  if (!tokens(h, "connection").some((t) => t.toLowerCase() === "upgrade")) throw bad("no Connection: Upgrade")
  // libzmq leaves this unchecked ("TODO: validate accept key"); RFC 6455 4.1 requires it.
  if (single(h, "sec-websocket-accept") !== acceptKey(key)) throw bad("wrong Sec-WebSocket-Accept")
  const protocol = single(h, "sec-websocket-protocol")
  if (protocol === undefined || !offeredProtocols(mechanism).includes(protocol)) {
    throw bad(`server chose subprotocol ${String(protocol)}`)
  }
  return protocol
}
