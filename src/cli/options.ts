/**
 * The flags every socket-using subcommand shares: endpoints, security and one
 * flag per socket option, derived from the option table (zmq-ts/util's
 * SOCKET_OPTIONS) so that a new option needs no CLI change.
 */
import { parseArgs } from "node:util"
import { SOCKET_OPTIONS, type OptionSpec } from "../util.js"

/** A mistake in the command line: exit code 2. */
export class UsageError extends Error {}

type Flag = { type: "string" | "boolean"; multiple?: boolean; short?: string }
export type FlagTable = Record<string, Flag>

/**
 * The brief names of libzmq's tools and docs (ZMQ_CURVE_SECRETKEY) rather
 * than the kebab-case of zeromq.js's names (curve-secret-key).
 */
const RENAMED: Record<string, string> = {
  curveSecretKey: "curve-secretkey",
  curvePublicKey: "curve-publickey",
  curveServerKey: "curve-serverkey",
}

const kebab = (name: string): string => RENAMED[name] ?? name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())

/** Options a user can set: not the ones this build lacks ("x"). */
export const OPTION_FLAGS: ReadonlyMap<string, OptionSpec> = new Map(
  SOCKET_OPTIONS.filter((o) => o.access !== "x").map((o) => [kebab(o.name), o]),
)

export const COMMON_FLAGS: FlagTable = {
  help: { type: "boolean", short: "h" },
  bind: { type: "string", multiple: true, short: "b" },
  connect: { type: "string", multiple: true, short: "c" },
  ...Object.fromEntries([...OPTION_FLAGS].map(([flag, o]) => [flag, { type: o.type === "bool" ? "boolean" : "string" }])),
}

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>

export interface Parsed {
  values: Values
  positionals: string[]
}

/** parseArgs with its errors turned into usage errors. */
export function parse(argv: string[], flags: FlagTable): Parsed {
  try {
    const r = parseArgs({ args: argv, options: flags, allowPositionals: true, strict: true })
    return { values: r.values, positionals: r.positionals }
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name]
  return typeof x === "string" ? x : undefined
}

export function list(v: Values, name: string): string[] {
  const x = v[name]
  if (Array.isArray(x)) return x.filter((s): s is string => typeof s === "string")
  return typeof x === "string" ? [x] : []
}

export function int(v: Values, name: string, fallback: number, min = 0): number {
  const x = str(v, name)
  if (x === undefined) return fallback
  const n = Number(x)
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, not ${JSON.stringify(x)}`)
  return n
}

/** The socket option values given on the command line, by zeromq.js name, converted to the option's JS type. */
export function socketOptions(v: Values): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const [flag, spec] of OPTION_FLAGS) {
    const x = v[flag]
    if (x === undefined) continue
    if (spec.type === "bool") out[spec.name] = x === true
    else if (spec.type === "string" || spec.type === "curveKey") out[spec.name] = String(x)
    else {
      const n = Number(x)
      if (!Number.isFinite(n) || String(x).trim() === "") throw new UsageError(`--${flag} needs a number, not ${JSON.stringify(x)}`)
      out[spec.name] = n
    }
  }
  return out
}

/** The help text for the shared flags, with the option flags listed compactly. */
export function commonHelp(): string {
  const opts = [...OPTION_FLAGS].map(([flag, o]) => (o.type === "bool" ? `--${flag}` : `--${flag} N`.replace(" N", o.type === "string" || o.type === "curveKey" ? " S" : " N")))
  const lines: string[] = []
  let line = " "
  for (const o of opts) {
    if (line.length + o.length > 76) {
      lines.push(line)
      line = " "
    }
    line += " " + o
  }
  lines.push(line)
  return `Endpoints (repeatable; at least one):
  -b, --bind ENDPOINT       bind, e.g. tcp://*:5555, ipc:///tmp/x, inproc://x
  -c, --connect ENDPOINT    connect, e.g. tcp://127.0.0.1:5555

Security:
  --curve-server --curve-secretkey Z85          be a CURVE server
  --curve-serverkey Z85 [--curve-publickey Z85 --curve-secretkey Z85]
                                                be a CURVE client (own keys made up if not given)
  --plain-server | --plain-username S --plain-password S

Socket options (libzmq's, as zeromq.js names them, in kebab-case; N a number, S text):
${lines.join("\n")}`
}
