/**
 * Pieces shared by the thread-safe socket family (RFC 41 CLIENT/SERVER,
 * RFC 48 RADIO/DISH, RFC 49 SCATTER/GATHER, and libzmq's PEER and CHANNEL):
 * single-part messages, groups, and the in-pipe form of JOIN/LEAVE.
 */
import { zmqError } from "../errors.js"
import type { Msg } from "../pipe.js"

/** libzmq's ZMQ_GROUP_MAX_LENGTH (RFC 48 "Group": 0 to 255 octets). */
export const GROUP_MAX_LENGTH = 255

/**
 * RFC 41/48/49: these sockets MUST NOT allow multipart messages; libzmq
 * refuses ZMQ_SNDMORE with EINVAL. `frames` is what the application gave.
 */
export function requireSinglePart(frames: Msg, expected = 1): void {
  if (frames.length !== expected) throw zmqError("EINVAL")
}

/**
 * What libzmq's receive side does with a multipart message from a peer on a
 * thread-safe socket (client_t/server_t/gather_t/channel_t xrecv): it is
 * dropped whole and the next message is taken; the connection stays.
 */
export function isSinglePart(msg: Msg): boolean {
  return msg.length === 1
}

/**
 * A group as zeromq.js hands it to libzmq: a string (UTF-8) or a Buffer,
 * cut at the first zero byte (libzmq takes a C string).
 */
export function groupBytes(value: unknown): Buffer {
  let bytes: Buffer
  if (typeof value === "string") bytes = Buffer.from(value, "utf8")
  else if (Buffer.isBuffer(value)) bytes = value
  else throw new TypeError("Value must be a string or buffer")
  const nul = bytes.indexOf(0)
  return nul < 0 ? bytes : bytes.subarray(0, nul)
}

/** The options object of Server/Radio send(): zeromq.js checks its type before anything else. */
export function requireOptionsObject(options: unknown): Record<string, unknown> {
  if (typeof options !== "object" || options === null) throw new TypeError("Options must be an object")
  return options as Record<string, unknown>
}

// ---- JOIN / LEAVE inside a pipe ------------------------------------------------------

export type GroupCommand = "JOIN" | "LEAVE"

/**
 * DISH -> RADIO subscriptions travel through a pipe as one-frame messages
 * holding the group, marked here as commands so that they can never be
 * mistaken for data (a hostile peer's data to a RADIO is ignored, RFC 48).
 * The tcp/ipc engine turns them into ZMTP 3.1 JOIN/LEAVE commands and back.
 */
const groupCommands = new WeakMap<Msg, GroupCommand>()

export function groupCommandMsg(command: GroupCommand, group: Buffer): Msg {
  const msg: Msg = [group]
  groupCommands.set(msg, command)
  return msg
}

export function groupCommandOf(msg: Msg): GroupCommand | undefined {
  return groupCommands.get(msg)
}
