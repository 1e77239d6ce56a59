/**
 * zmq-ts/draft: libzmq's draft socket types, as zeromq.js's `zeromq/draft`
 * exposes them (Server, Client, Radio, Dish, Gather, Scatter), plus Peer and
 * Channel, which libzmq has and zeromq.js does not. Datagram, and Radio/Dish,
 * also work over udp:// (src/transport/udp.ts).
 *
 * Like `zeromq/draft`, loading this entry point emits a process warning.
 *
 * @module zmq-ts/draft
 */
export { Server, type ServerRoutingOptions } from "./sockets/server.js"
export { Client } from "./sockets/client.js"
export { Radio, type RadioGroupOptions } from "./sockets/radio.js"
export { Dish, type DishGroupOptions } from "./sockets/dish.js"
export { Gather, Scatter } from "./sockets/scatter-gather.js"
export { Peer } from "./sockets/peer.js"
export { Channel } from "./sockets/channel.js"
export { Datagram } from "./sockets/datagram.js"

process.emitWarning("ZeroMQ draft features are experimental and could change at any time.")
