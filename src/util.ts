/**
 * zmq-ts's additions to the zeromq.js API, kept out of the main entry so that
 * it exports exactly what zeromq.js does: `import { z85Encode } from "zmq-ts/util"`.
 *
 * @module zmq-ts/util
 */
export { ZmqError, type ErrorCode } from "./errors.js"
export { SOCKET_TYPES as SocketType } from "./sockets/socket-types.js"
export { z85Encode, z85Decode } from "./crypto/z85.js"
export { SOCKET_OPTIONS, type OptionSpec, type OptionType } from "./sockets/option-table.js"
export { TRACE_CHANNELS } from "./trace.js"
export type { SocketStats, TraceSocketEvent, TraceMessageEvent, TraceDropEvent } from "./stats.js"
