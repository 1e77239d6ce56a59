/**
 * `monitor ENDPOINT`: a socket that only connects (or binds) and prints every
 * Observer event as it happens, with all its fields. First aid for "why
 * doesn't it connect": refused, handshake failed and why.
 */
import type { Event, Socket } from "../index.js"
import { writeLine } from "./frames.js"
import { COMMON_FLAGS, int, parse, str, UsageError } from "./options.js"
import { describeError, makeSocket } from "./socket.js"

/** Every type an Observer reports (zeromq.js's list); each gets a listener. */
const EVENT_TYPES: readonly Event["type"][] = [
  "accept", "accept:error", "bind", "bind:error", "connect", "connect:delay", "connect:retry", "close",
  "close:error", "disconnect", "end", "handshake", "handshake:error:protocol", "handshake:error:auth",
  "handshake:error:other", "unknown",
]

function errorFields(e: Event): Record<string, unknown> {
  if (!("error" in e) || e.error === undefined) return {}
  const { message, code, errno, status } = e.error
  return { error: { message, ...(code !== undefined ? { code } : {}), ...(errno !== undefined ? { errno } : {}), ...(status !== undefined ? { status } : {}) } }
}

export function formatEvent(e: Event, json: boolean, time: Date): string {
  if (json) return JSON.stringify({ time: time.toISOString(), ...e, ...errorFields(e) })
  let line = `${time.toISOString().slice(11, 23)} ${e.type}`
  if ("address" in e && e.address !== undefined) line += ` ${e.address}`
  if (e.type === "connect:retry") line += ` interval=${e.interval}ms`
  if ("error" in e && e.error !== undefined) line += ` error: ${describeError(e.error)}`
  return line
}

export async function runMonitor(argv: string[]): Promise<void> {
  const flags = { ...COMMON_FLAGS, bind: { type: "boolean" as const }, type: { type: "string" as const, short: "t" }, count: { type: "string" as const, short: "n" }, timeout: { type: "string" as const }, format: { type: "string" as const, short: "f" } }
  const { values: v, positionals } = parse(argv, flags)
  if (positionals.length !== 1) throw new UsageError("monitor takes one ENDPOINT")
  if (v.connect !== undefined) throw new UsageError("monitor connects to ENDPOINT; --connect is not needed")
  const format = str(v, "format") ?? "text"
  if (format !== "text" && format !== "json") throw new UsageError("--format must be text or json")
  const count = int(v, "count", Infinity, 1)
  const timeout = int(v, "timeout", 0)
  const endpoint = positionals[0]!
  let seen = 0
  let timer: NodeJS.Timeout | undefined
  let finish = (): void => undefined
  // Settles on --count, --timeout, Ctrl-C or the socket's end; each event is written as it comes.
  const done = new Promise<void>((resolve, reject) => {
    const listen = (socket: Socket): void => {
      finish = (): void => {
        clearTimeout(timer)
        if (!socket.closed) socket.close()
        resolve()
      }
      for (const type of EVENT_TYPES) {
        socket.events.on(type, (e: Event) => {
          if (seen >= count) return
          seen++
          writeLine(formatEvent(e, format === "json", new Date())).then(() => {
            if (seen >= count || e.type === "end") finish()
          }, reject)
        })
      }
    }
    makeSocket(v.bind === true ? { ...v, bind: [endpoint] } : { ...v, bind: undefined, connect: [endpoint] }, str(v, "type") ?? "dealer", {}, listen).catch(reject)
  })
  if (timeout > 0) timer = setTimeout(() => finish(), timeout)
  // Ctrl-C: close the socket so that its last events (close, end) are printed.
  process.once("SIGINT", () => finish())
  await done
}
