/**
 * The browser build's default context, in place of src/default-context.ts:
 * the same, minus the cross-thread option sharing and inproc over
 * worker_threads (a page has neither node:worker_threads nor, unless
 * cross-origin isolated, SharedArrayBuffer).
 */
import { Context } from "../context.js"

/** The context sockets use when none is given (zeromq.js exports it as `context`). */
export const context = new Context()

export function defaultContext(): Context {
  return context
}
