import type { Metadata } from "../codec/command.js"

/** Where a security handshake stands. */
export type MechanismStatus = "handshaking" | "ready" | "error"

/**
 * A security mechanism's handshake as a state machine without I/O
 * (RFC 37 "Authentication and Confidentiality"). The engine feeds it the
 * command frames it receives and writes out the command frames it returns.
 */
export interface Mechanism {
  readonly name: string
  readonly asServer: boolean
  readonly status: MechanismStatus
  /** The peer's metadata once the handshake has finished (names lower-cased). */
  readonly peerMetadata: Metadata
  /** Commands to send as soon as the greetings have been exchanged. */
  start(): Buffer[]
  /** Handles one handshake command; returns the commands to send. Throws ProtocolError. */
  onCommand(body: Buffer): Buffer[]
}

/** What every mechanism needs from the socket to build READY/INITIATE metadata. */
export interface MechanismContext {
  socketType: string
  routingId: Buffer
}

/**
 * Our metadata: Socket-Type always, Identity only for the socket types whose
 * peers route by it. This is libzmq's rule (mechanism_t::
 * make_command_with_basic_properties): REQ, DEALER and ROUTER send Identity.
 */
export function basicProperties(ctx: MechanismContext): [string, Buffer | string][] {
  const props: [string, Buffer | string][] = [["Socket-Type", ctx.socketType]]
  if (ctx.socketType === "REQ" || ctx.socketType === "DEALER" || ctx.socketType === "ROUTER") {
    props.push(["Identity", ctx.routingId])
  }
  return props
}
