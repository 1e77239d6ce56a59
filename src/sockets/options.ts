import type { Context } from "../context.js"

type IfEquals<X, Y, A, B = never> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? A : B

/** Keys of T that are writable, non-function properties. */
type WritableKeys<T> = {
  [P in keyof T]-?: T[P] extends (...args: never[]) => unknown ? never : IfEquals<{ [Q in P]: T[P] }, { -readonly [Q in P]: T[P] }, P>
}[keyof T]

/** The constructor options of a socket class: its writable properties, plus `context` (zeromq.js SocketOptions). */
export type SocketOptions<S> = Partial<Pick<S, WritableKeys<S>>> & { context?: Context }
