import type { Context } from "../context.js"
import type { Options } from "./interfaces.js"
import type { Socket } from "./socket-base.js"

/** The constructor options of a socket class: its writable properties, plus `context` (zeromq.js SocketOptions). */
export type SocketOptions<S extends Socket> = Options<S, { context: Context }>
