import type { Context } from "../context.js"
import type { Options } from "./interfaces.js"
import type { Socket } from "./socket-base.js"

/**
 * The constructor options of a socket class (zeromq.js `SocketOptions`): any
 * of its writable option properties, set in order as if assigned, plus
 * `context`, the {@link Context} the socket belongs to (by default the
 * process-wide `context`).
 */
export type SocketOptions<S extends Socket> = Options<S, { context: Context }>
