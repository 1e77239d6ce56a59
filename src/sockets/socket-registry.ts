// How `new Socket(type)` and subclasses of Socket find the implementation of
// a socket type (zeromq.js lets both name the type by number), and the
// argument checks zeromq.js's native constructor and methods make.
import { zmqError } from "../errors.js"
import type { Socket } from "./socket-base.js"
import { SOCKET_OPTION_BY_NAME } from "./option-table.js"

/** zeromq.js checks the number of arguments of its native methods. */
export function checkArgs(received: number, expected: number): void {
  if (received > expected) {
    throw new TypeError(`Expected ${expected} argument${expected === 1 ? "" : "s"} but received ${received}`)
  }
}

/** @internal Wraps the options of zmq-ts's own socket classes' `super()` calls, to tell them from `new Socket(type)`. */
export class Internal {
  constructor(readonly options: object | undefined) {}
}

/** The concrete implementation of each socket type number, for `new Socket(type)`. */
const implementations = new Map<number, new (options?: object) => Socket>()

/** The class registered for socket type number `type`, if any. */
function implementationOf(type: number): (new (options?: object) => Socket) | undefined {
  return implementations.get(type)
}

/** @internal Each socket class registers itself for `new Socket(type)` and subclasses. */
export function registerSocketClass(type: number, cls: new (options?: object) => Socket): void {
  implementations.set(type, cls)
}

/** Names that belong to a socket class's public surface rather than its implementation. */
const PUBLIC_ONLY = new Set<PropertyKey>(["constructor", "subscribe", "unsubscribe", "verbosity", ...SOCKET_OPTION_BY_NAME.keys()])
const mixins = new WeakMap<object, Map<number, object>>()

/**
 * The prototype for a `new Socket(type)` whose class is not one of ours: the
 * class's own prototype chain, with the type's implementation hooks under it
 * (those the class does not define itself). `base` is Socket.prototype, where
 * both chains end.
 */
function mixinFor(target: object, base: object, type: number, impl: { prototype: object }): object {
  let byType = mixins.get(target)
  if (byType === undefined) mixins.set(target, (byType = new Map<number, object>()))
  let proto = byType.get(type)
  if (proto !== undefined) return proto
  const own = new Set<PropertyKey>()
  for (let p: object | null = target; p !== null && p !== base; p = Object.getPrototypeOf(p) as object | null) {
    for (const k of Reflect.ownKeys(p)) own.add(k)
  }
  const descriptors: PropertyDescriptorMap = {}
  for (let p: object | null = impl.prototype; p !== null && p !== base; p = Object.getPrototypeOf(p) as object | null) {
    for (const k of Reflect.ownKeys(p)) {
      if (PUBLIC_ONLY.has(k) || own.has(k) || k in descriptors) continue
      descriptors[k as string] = Object.getOwnPropertyDescriptor(p, k)!
    }
  }
  proto = Object.create(target, descriptors) as object
  byType.set(type, proto)
  return proto
}

/** @internal zeromq.js's check of a socket constructor's options argument. */
export function checkOptionsArg(options: unknown): void {
  if (options !== undefined && (typeof options !== "object" || options === null)) throw new TypeError("Options must be an object")
}

/** Set while buildForType() builds an implementation, which must not seal the object yet. */
let buildingForSubclass = false

/** @internal True while `new Socket(type)` builds its implementation: Socket's seal() waits for it. */
export function buildingImplementation(): boolean {
  return buildingForSubclass
}

/**
 * @internal `new Socket(type, options)` (`argc` arguments) for `target`, a
 * subclass of `base` (Socket) or Socket itself: zeromq.js's own checks, in its
 * order; then the type's implementation is built with `target`'s prototype
 * chain and the hooks mixed in, and sealed with the options but `context`.
 */
export function buildForType(target: typeof Socket, base: typeof Socket, type: number, options: object | undefined, argc: number): Socket {
  if (argc > 2) throw new TypeError(`Expected 2 arguments but received ${argc}`)
  if (typeof type !== "number") throw new TypeError("Socket type must be a number")
  checkOptionsArg(options)
  const impl = implementationOf(type | 0)
  if (impl === undefined || type < 0) throw zmqError("EINVAL")
  const { context, ...rest } = (options ?? {}) as { context?: unknown }
  buildingForSubclass = true
  let self: Socket
  try {
    self = Reflect.construct(impl, [options !== undefined && "context" in options ? { context } : undefined], target)
  } finally {
    buildingForSubclass = false
  }
  Object.setPrototypeOf(self, mixinFor(target.prototype, base.prototype, type | 0, impl))
  self["seal"](rest)
  return self
}
