/**
 * zmq-ts's tracing channels on `node:diagnostics_channel` (docs/tracing.md).
 *
 * This is the only module that imports node:diagnostics_channel, so that a
 * build for a runtime without it (a browser bundle) can swap this one file,
 * or stub the import with an empty module: without `channel()` every channel
 * is inert (never subscribed, publish does nothing) and the rest of zmq-ts
 * runs unchanged. Node, Deno and Bun have the module.
 *
 * The channels are created once, at module load, and kept: diagnostics
 * channels are process-wide by name (any module, any copy of zmq-ts, gets the
 * same object for the same name), so these are handles, not state of ours.
 * Every publishing site asks `hasSubscribers` first and builds the event
 * object only then: with nobody listening, a hook costs one property read.
 */
import * as dc from "node:diagnostics_channel"

/** What the hooks use of a channel; Node's Channel is one. */
export interface TraceChannel {
  readonly hasSubscribers: boolean
  publish(message: unknown): void
}

/** The channel names, for `diagnostics_channel.subscribe(name, fn)`. */
export const TRACE_CHANNELS = Object.freeze({
  /** Observer events of connections and endpoints: accept, connect, connect:retry, disconnect, bind, close... and the socket's end. */
  connection: "zmq-ts:connection",
  /** Handshake results: handshake, handshake:error:protocol, handshake:error:auth, handshake:error:other. */
  handshake: "zmq-ts:handshake",
  /** One event per message sent (queued by the socket) or received (handed to the application). */
  message: "zmq-ts:message",
  /** A message a peer missed because its queue was at the high-water mark (PUB, XPUB, RADIO, ROUTER). */
  drop: "zmq-ts:drop",
})

const INERT: TraceChannel = Object.freeze({ hasSubscribers: false, publish: (): void => undefined })

/** The channel `name` from `mod`; inert when `mod` has no channel() (a bundle's empty shim for the module). */
export function openChannel(mod: { channel?: unknown }, name: string): TraceChannel {
  return typeof mod.channel === "function" ? (mod.channel as (name: string) => TraceChannel)(name) : INERT
}

export const connectionChannel: TraceChannel = openChannel(dc, TRACE_CHANNELS.connection)
export const handshakeChannel: TraceChannel = openChannel(dc, TRACE_CHANNELS.handshake)
export const messageChannel: TraceChannel = openChannel(dc, TRACE_CHANNELS.message)
export const dropChannel: TraceChannel = openChannel(dc, TRACE_CHANNELS.drop)
