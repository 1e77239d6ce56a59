/**
 * zmq-ts: ZeroMQ in TypeScript. The public API mirrors zeromq.js v6 (the npm
 * package `zeromq`), so switching is a change of import. This entry exports
 * exactly zeromq.js's names; zmq-ts's additions are in `zmq-ts/util`.
 *
 * @module zmq-ts
 */
import { Context as ContextClass } from "./context.js"
import { context } from "./default-context.js"
import { Observer as ObserverClass } from "./observer.js"
import { Proxy as ProxyClass } from "./proxy.js"
import { requireNew } from "./require-new.js"
import { Socket as SocketClass } from "./sockets/socket-base.js"
import { Push } from "./sockets/push.js"
import { Pull } from "./sockets/pull.js"
import { Pair } from "./sockets/pair.js"
import { Dealer } from "./sockets/dealer.js"
import { Router } from "./sockets/router.js"
import { Request } from "./sockets/request.js"
import { Reply } from "./sockets/reply.js"
import { Publisher, XPublisher } from "./sockets/xpub.js"
import { Subscriber, XSubscriber } from "./sockets/xsub.js"
import { Stream } from "./sockets/stream.js"
import { curveKeyPair } from "./curve-keypair.js"
// zeromq.js's libzmq has the draft types built in: new Socket(12..20) works
// before (and without) zeromq/draft, which only adds the classes and a warning.
import "./sockets/server.js"
import "./sockets/client.js"
import "./sockets/radio.js"
import "./sockets/dish.js"
import "./sockets/scatter-gather.js"
import "./sockets/datagram.js"
import "./sockets/peer.js"
import "./sockets/channel.js"

export type { ContextOptions } from "./context.js"
export type { Message, MessageLike } from "./msg.js"
export type { Event, EventType, EventOfType, EventError } from "./observer.js"
export type { SocketOptions } from "./sockets/options.js"
export type { Writable, Readable, EventSubscriber } from "./sockets/interfaces.js"
export type { RouterConnectOptions } from "./sockets/router.js"
export type { StreamConnectOptions } from "./sockets/stream.js"

/**
 * A ZeroMQ context: the options shared by its sockets (`ioThreads`,
 * `maxSockets`, `blocky`...) and the namespace of its `inproc://` endpoints.
 * Most programs use the process-wide {@link context} that sockets get by
 * default; pass `{ context: new Context() }` to a socket to keep its inproc
 * endpoints apart. As in zeromq.js, it must be called with `new`.
 *
 * @class
 */
export const Context = requireNew(ContextClass)
/** An instance of {@link Context}. */
export type Context = ContextClass
/**
 * The base class of every socket type. `new Socket(type)` makes a socket of a
 * libzmq type number (ZMQ_PUSH is 8...), and a subclass may call
 * `super(type)`, as with zeromq.js; the named classes ({@link Push},
 * {@link Router}...) are the usual way. Options are properties, settable also
 * as constructor options: `new Push({ sendHighWaterMark: 10 })`.
 *
 * @class
 */
export const Socket = requireNew(SocketClass)
/** An instance of {@link Socket}. */
export type Socket = SocketClass
/**
 * The event stream of one socket (`socket.events`): connection, handshake
 * and failure {@link Event}s, read either with `receive()` / `for await`, or
 * with `on(type, listener)` (after which `receive()` is no longer
 * available). The first aid for "why doesn't it connect".
 *
 * @class
 */
export const Observer = requireNew(ObserverClass)
/** An instance of {@link Observer}. */
export type Observer = ObserverClass
/**
 * Forwards messages between a frontend and a backend socket (libzmq's
 * zmq_proxy_steerable): `new Proxy(new Router(), new Dealer())`, bind or
 * connect both through `proxy.frontEnd` and `proxy.backEnd`, then `await
 * proxy.run()`; `pause()`, `resume()` and `terminate()` steer it.
 *
 * @class
 */
export const Proxy = requireNew(ProxyClass)
/** An instance of {@link Proxy}. */
export type Proxy<F extends SocketClass = SocketClass, B extends SocketClass = SocketClass> = ProxyClass<F, B>

/** The libzmq version whose behaviour zmq-ts matches (zeromq.js reports its bundled libzmq's). */
export const version: string = "4.3.5"

/**
 * Transports and mechanisms this build supports, in zeromq.js's shape.
 *
 * - `ipc`: `ipc://` (Unix domain sockets): true.
 * - `pgm`: reliable multicast, as libzmq's zmq_has("pgm") (OpenPGM built in): true, for `epgm://` (PGM over
 *   UDP). `pgm://` itself (raw IP protocol 113) needs raw sockets, which Node cannot open: it fails with
 *   EPROTONOSUPPORT. zeromq.js's build has no OpenPGM and reports false.
 * - `tipc`: `tipc://`: false.
 * - `norm`: `norm://`: false.
 * - `curve`: the CURVE mechanism (RFC 26): true.
 * - `gssapi`: the GSSAPI mechanism: false.
 * - `draft`: the draft socket types (`zmq-ts/draft`): true.
 */
export const capability: Partial<{ ipc: boolean; pgm: boolean; tipc: boolean; norm: boolean; curve: boolean; gssapi: boolean; draft: boolean }> =
  Object.freeze({
    ipc: true,
    pgm: true,
    tipc: false,
    norm: false,
    curve: true,
    gssapi: false,
    draft: true,
  })

export { context, curveKeyPair, Push, Pull, Pair, Dealer, Router, Request, Reply, Publisher, XPublisher, Subscriber, XSubscriber, Stream }

/**
 * `import zmq from "zmq-ts"`: zeromq.js is CommonJS, so its default import is
 * the whole module; this is the same object for ES modules.
 */
const zmq = {
  Context, Dealer, Observer, Pair, Proxy, Publisher, Pull, Push, Reply, Request, Router, Socket, Stream,
  Subscriber, XPublisher, XSubscriber, capability, context, curveKeyPair, version,
}
export default zmq
