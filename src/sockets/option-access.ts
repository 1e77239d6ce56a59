/**
 * Socket option accessors, generated from the option table and installed on
 * the classes zeromq.js defines them on, plus the get/set*Option(id) calls.
 */
import { zmqError } from "../errors.js"
import {
  SOCKET_OPTIONS,
  SOCKET_OPTION_BY_ID,
  convertOption,
  presentOption,
  type OptionName,
  type OptionSpec,
  type OptionType,
  type OptionValues,
  type SocketClassName,
} from "./option-table.js"
import { readAsLibzmq, type RawStored } from "./option-raw.js"

/** What the accessors need of a socket (Socket implements it). */
export interface OptionHost {
  readonly opts: OptionValues
  optionWrite(now: boolean): void
  optionRead(): void
  optionChanged(name: OptionName): void
  /** libzmq's socket_base_t read-only options (ZMQ_TYPE, ZMQ_EVENTS, ...) by id; undefined for the rest. */
  readOnlyOption(id: number): RawStored | undefined
}

function readOption(host: OptionHost, spec: OptionSpec): unknown {
  host.optionRead()
  if (spec.access === "x" || spec.writeOnlyInLibzmq === true) throw zmqError("EINVAL", "Invalid argument")
  return presentOption(spec, host.opts[spec.name])
}

function writeOption(host: OptionHost, spec: OptionSpec, value: unknown): void {
  // zeromq.js checks the JS type first (no warning then), then calls libzmq
  // and warns for a bound or connected socket even when libzmq refused the value.
  const v = convertOption(spec, value, host.opts)
  host.optionWrite(spec.now === true)
  if (v === "EINVAL") throw zmqError("EINVAL", "Invalid argument")
  ;(host.opts as unknown as Record<string, unknown>)[spec.name] = v
  host.optionChanged(spec.name)
}

function descriptor(spec: OptionSpec): PropertyDescriptor {
  const d: PropertyDescriptor = {
    configurable: true,
    enumerable: false,
    set(this: OptionHost, value: unknown) {
      writeOption(this, spec, value)
    },
  }
  // zeromq.js defines no getter for options libzmq cannot read back: reads give undefined.
  if (spec.access !== "w") {
    d.get = function (this: OptionHost) {
      return readOption(this, spec)
    }
  }
  return d
}

/** Installs the accessors of the options zeromq.js has on `className` ("Socket": on every socket). */
export function installOptions(target: { prototype: object }, className: SocketClassName | "Socket"): void {
  for (const spec of SOCKET_OPTIONS) {
    const on = spec.on === "Socket" ? spec.on === className : spec.on.includes(className as SocketClassName)
    if (on) Object.defineProperty(target.prototype, spec.name, descriptor(spec))
  }
}

/**
 * get*Option(id), as zeromq.js's protected methods (and libzmq's
 * getsockopt): by the libzmq constant, whichever class the option is on.
 */
export function getOptionById(host: OptionHost, id: number, getter: OptionType): unknown {
  host.optionRead()
  const own = host.readOnlyOption(id)
  if (own !== undefined) return readAsLibzmq(own, getter)
  const spec = SOCKET_OPTION_BY_ID.get(id)
  // libzmq reads back none of the options zeromq.js only lets you write, but ZMQ_CONFLATE.
  const unreadable = spec === undefined || spec.access === "x" || spec.writeOnlyInLibzmq === true || (spec.access === "w" && spec.name !== "conflate")
  if (unreadable) throw zmqError("EINVAL", "Invalid argument")
  return readAsLibzmq(storedAsLibzmq(spec, host.opts[spec.name]), getter)
}

/** A stored option as libzmq keeps it: every bool and 32-bit option is a C int. */
function storedAsLibzmq(spec: OptionSpec, value: OptionValues[OptionName]): RawStored {
  switch (spec.type) {
    case "int64":
    case "uint64":
      return { kind: "int64", value: value as number }
    case "string":
    case "curveKey":
      return { kind: "bytes", value: value === null ? Buffer.alloc(0) : Buffer.from(value as Uint8Array) }
    default:
      return { kind: "int", value: typeof value === "boolean" ? Number(value) : (value as number) }
  }
}

export function setOptionById(host: OptionHost, id: number, value: unknown): void {
  const spec = SOCKET_OPTION_BY_ID.get(id)
  if (spec === undefined) {
    host.optionWrite(true)
    throw zmqError("EINVAL", "Invalid argument")
  }
  writeOption(host, spec, value)
}

/** Read-only properties throw on assignment as zeromq.js's getter-only accessors do (strict mode). */
export function makeReadOnly(target: { prototype: object }, names: readonly string[], className: string): void {
  for (const name of names) {
    const d = Object.getOwnPropertyDescriptor(target.prototype, name)
    if (d?.get === undefined) throw new Error(`no getter for ${name}`)
    Object.defineProperty(target.prototype, name, {
      ...d,
      set() {
        throw new TypeError(`Cannot set property ${name} of #<${className}> which has only a getter`)
      },
    })
  }
}
