/**
 * The tcp/ipc engine's part of RADIO/DISH (RFC 48 over ZMTP 3.1, as libzmq
 * 4.3 puts it on the wire):
 *
 * - DISH -> RADIO: JOIN and LEAVE commands whose data is the group itself
 *   (no length prefix); libzmq sends them to 3.0 and 3.1 peers alike.
 * - RADIO -> DISH: each message is two frames, the group (MORE set) and the
 *   body. libzmq's dish session refuses anything else (EFAULT from
 *   push_msg), which ends the connection; so do we.
 *
 * A JOIN longer than 255 octets makes libzmq 4.3.5's RADIO abort the whole
 * process (an assertion in radio_session_t::push_msg). We treat it as the
 * protocol error it is: that one connection ends, the socket serves on.
 */
import { encodeCommand } from "../codec/command.js"
import { ProtocolError } from "../codec/protocol-error.js"
import type { Msg } from "../pipe.js"
import { GROUP_MAX_LENGTH, groupCommandMsg, groupCommandOf } from "../sockets/draft-common.js"
import type { SocketTypeName } from "../sockets/socket-types.js"

/** A JOIN/LEAVE command from the peer: the message for the RADIO's pipe, or null to ignore it. */
export function groupCommandIn(socketType: SocketTypeName, name: "JOIN" | "LEAVE", data: Buffer): Msg | null {
  // Only a RADIO listens to them; anyone else ignores commands it does not use (libzmq).
  if (socketType !== "RADIO") return null
  if (data.length > GROUP_MAX_LENGTH) throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", `${name} group longer than ${GROUP_MAX_LENGTH} octets`)
  return groupCommandMsg(name, Buffer.from(data))
}

/** The command to put on the wire for a DISH's outgoing pipe message, or null for data. */
export function groupCommandOut(msg: Msg): Buffer | null {
  const command = groupCommandOf(msg)
  return command === undefined ? null : encodeCommand(command, msg[0])
}

/** libzmq's dish_session_t::push_msg: [group (<= 255 octets), body], nothing else. */
export function checkDishMessage(frames: Msg): void {
  if (frames.length !== 2 || frames[0]!.length > GROUP_MAX_LENGTH) {
    throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "RADIO message is not a group frame and one body frame")
  }
}
