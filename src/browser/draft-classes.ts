/**
 * The draft socket classes of `zmq-ts/draft` without its load-time warning:
 * in the browser bundle they are in the one file whether the page asks for
 * them or not, so the warning is left to the browser's draft.mjs.
 */
export { Server } from "../sockets/server.js"
export { Client } from "../sockets/client.js"
export { Radio } from "../sockets/radio.js"
export { Dish } from "../sockets/dish.js"
export { Gather, Scatter } from "../sockets/scatter-gather.js"
export { Peer } from "../sockets/peer.js"
export { Channel } from "../sockets/channel.js"
export { Datagram } from "../sockets/datagram.js"
