import { Context } from "./context.js"
import { shareOptions } from "./threads/process-state.js"
import { RemoteInproc } from "./threads/remote-inproc.js"

/** The context sockets use when none is given (zeromq.js exports it as `context`). */
export const context = new Context()

// One default context for the whole process, as libzmq's is for all threads.
// The option values live in shared memory; the context's own accessors still check them.
shareOptions(context.values)
context.inproc.remote = new RemoteInproc(context.inproc)

export function defaultContext(): Context {
  return context
}
