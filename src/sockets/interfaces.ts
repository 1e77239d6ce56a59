/** The capability interfaces of zeromq.js's socket classes (merged into each class's declaration). */
import type { Message, MessageLike } from "../msg.js"
import type { EventOfType, EventType } from "../observer.js"

export interface Writable<M extends MessageLike | MessageLike[] = MessageLike | MessageLike[], O extends [...object[]] = []> {
  multicastHops: number
  sendBufferSize: number
  sendHighWaterMark: number
  sendTimeout: number
  send(message: M, ...options: O): Promise<void>
}

type ReceiveType<T> = T extends { receive(): Promise<infer U> } ? U : never

export interface Readable<M extends object[] = Message[]> {
  receiveBufferSize: number
  receiveHighWaterMark: number
  receiveTimeout: number
  receive(): Promise<M>
  [Symbol.asyncIterator](): AsyncIterator<ReceiveType<this>, undefined>
}

export interface EventSubscriber {
  on<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventSubscriber
  off<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventSubscriber
}

type IfEquals<X, Y, A, B = never> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? A : B
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- zeromq.js's definition, kept identical
type WritableKeys<T> = { [P in keyof T]-?: T[P] extends Function ? never : IfEquals<{ [Q in P]: T[P] }, { -readonly [Q in P]: T[P] }, P> }[keyof T]
type Expand<T> = T extends infer O ? { [K in keyof O]: O[K] } : never
export type Options<T, E = object> = Expand<Partial<E & Pick<T, WritableKeys<T>>>>
