/**
 * The browser build's entry (dist/browser/zmq-ts.mjs, the package's
 * `browser` condition): zmq-ts's API as in Node, bundled with the browser
 * stand-ins of src/browser/ (scripts/build-browser.mjs). One file holds the
 * main entry's names, the draft socket classes and the util helpers, so that
 * `zmq-ts/draft` and `zmq-ts/util` in a browser are re-exports of it and
 * every class exists once.
 */
import * as zmq from "../index.js"

export {
  Context, Socket, Observer, Proxy, version, context, curveKeyPair, Push, Pull, Pair, Dealer, Router, Request, Reply,
  Publisher, XPublisher, Subscriber, XSubscriber, Stream,
} from "../index.js"
export type * from "../index.js"
export { Server, Client, Radio, Dish, Gather, Scatter, Peer, Channel, Datagram } from "./draft-classes.js"
export { ZmqError, SocketType, z85Encode, z85Decode, SOCKET_OPTIONS } from "../util.js"

/**
 * What a page can use: ws and inproc only, so no ipc (nor tcp, nor bind), no
 * pgm (no UDP in a page) and no curve (a browser peer is NULL: CURVE over ws
 * throws EPROTONOSUPPORT there; confidentiality comes from wss://).
 */
export const capability: typeof zmq.capability = Object.freeze({ ...zmq.capability, ipc: false, pgm: false, curve: false })

const browserZmq = { ...zmq.default, capability }
export default browserZmq
