import { Context } from "./context.js"

/** The context sockets use when none is given (zeromq.js exports it as `context`). */
export const context = new Context()

export function defaultContext(): Context {
  return context
}
