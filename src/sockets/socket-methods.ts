// The methods zeromq.js's native Socket has on every socket, whatever its
// type: join() and leave(), send(), receive() and async iteration (a type
// that cannot do one rejects or throws ENOTSUP); and which of Socket's
// accessors are read-only. Installed on Socket.prototype by socket-base.ts.
import { zmqError } from "../errors.js"
import type { MessageLike } from "../msg.js"
import type { Msg } from "../pipe.js"
import { makeReadOnly } from "./option-access.js"
import type { Socket } from "./socket-base.js"

/**
 * zeromq.js's native Socket has join() and leave() on every socket (its
 * types do not show them): libzmq's zmq_join/zmq_leave, ENOTSUP but on a
 * DISH, which has its own. Each value is tried; the first failure is thrown.
 */
function groupsUnsupported(this: Socket, ...values: unknown[]): void {
  let failure: Error | null = null
  for (const value of values) {
    if (this.closed) failure ??= zmqError("EBADF", "Socket is closed")
    else if (typeof value !== "string" && !Buffer.isBuffer(value)) throw new TypeError("Value must be a string or buffer")
    else failure ??= zmqError("ENOTSUP", "Operation not supported")
  }
  if (failure !== null) throw failure
}

/** @internal Installs the methods above on `cls` (Socket) and makes its read-only accessors so. */
export function installSocketMethods(cls: typeof Socket): void {
  for (const name of ["join", "leave"]) {
    Object.defineProperty(cls.prototype, name, { value: { [name]: function (this: Socket, ...values: unknown[]) { groupsUnsupported.apply(this, values) } }[name], writable: false, configurable: true })
  }
  makeReadOnly(cls, ["type", "lastEndpoint", "securityMechanism", "threadSafe", "context", "closed", "readable", "writable", "events"], "Socket")

  // zeromq.js has send(), receive() and async iteration on every socket (a
  // type that cannot do one rejects with ENOTSUP); the classes' typings say
  // which ones make sense.
  Object.defineProperties(cls.prototype, {
    send: {
      configurable: true,
      writable: true,
      value: function send(this: Socket, message: MessageLike | MessageLike[]): Promise<void> {
        return this["sendMessage"](message, arguments.length)
      },
    },
    receive: {
      configurable: true,
      writable: true,
      value: function receive(this: Socket): Promise<Msg> {
        return this["receiveMessage"](arguments.length)
      },
    },
    [Symbol.asyncIterator]: {
      configurable: true,
      writable: true,
      value: function asyncIterator(this: Socket): AsyncIterator<Msg, undefined> {
        return this["iterate"]()
      },
    },
  })
}
