/**
 * Messages in and out of the command line: as text, hex or JSON lines, one
 * message a line, so that the output of `recv` can be piped into `send`.
 *
 *   text  frames as UTF-8, separated by a tab (a frame containing a tab or
 *         newline cannot round-trip: use hex or json for binary data)
 *   hex   frames in lowercase hex, separated by a space
 *   json  a JSON array per message; a frame is a string when it is valid
 *         UTF-8, otherwise {"hex": "..."}
 */
import { readFileSync } from "node:fs"
import { createInterface } from "node:readline"
import { UsageError } from "./options.js"

export type Format = "text" | "hex" | "json"

export function formatOf(value: string | undefined): Format {
  const f = value ?? "text"
  if (f !== "text" && f !== "hex" && f !== "json") throw new UsageError(`--format must be text, hex or json, not ${JSON.stringify(f)}`)
  return f
}

/** A frame as text when decoding it as UTF-8 loses nothing. */
function asText(frame: Buffer): string | null {
  const s = frame.toString("utf8")
  return Buffer.from(s, "utf8").equals(frame) ? s : null
}

export function formatMessage(frames: Buffer[], format: Format): string {
  switch (format) {
    case "text":
      return frames.map((f) => f.toString("utf8")).join("\t")
    case "hex":
      return frames.map((f) => f.toString("hex")).join(" ")
    case "json":
      return JSON.stringify(frames.map((f) => asText(f) ?? { hex: f.toString("hex") }))
  }
}

function hexFrame(s: string): Buffer {
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new UsageError(`not hex: ${JSON.stringify(s.slice(0, 40))}`)
  return Buffer.from(s, "hex")
}

/** A frame given as an argument: hex with `--format hex`, otherwise its text as UTF-8. */
export function parseFrame(s: string, format: Format): Buffer {
  if (format === "hex") return hexFrame(s)
  return Buffer.from(s, "utf8")
}

/** One input line as a message. */
export function parseLine(line: string, format: Format): Buffer[] {
  switch (format) {
    case "text":
      return line.split("\t").map((s) => Buffer.from(s, "utf8"))
    case "hex":
      return line.trim() === "" ? [Buffer.alloc(0)] : line.trim().split(/\s+/).map(hexFrame)
    case "json": {
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        throw new UsageError(`not a JSON line: ${JSON.stringify(line.slice(0, 40))}`)
      }
      const items = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed]
      return items.map((x) => {
        if (typeof x === "string") return Buffer.from(x, "utf8")
        if (typeof x === "object" && x !== null && typeof (x as { hex?: unknown }).hex === "string") return hexFrame((x as { hex: string }).hex)
        throw new UsageError(`a JSON frame is a string or {"hex": "..."}, not ${JSON.stringify(x)}`)
      })
    }
  }
}

/**
 * Where the messages to send come from: the arguments (one message, one
 * frame each), `--file` (one message, a file a frame), or else stdin lines
 * (a message each). The result is pulled one message at a time so that a
 * long stdin is never read ahead of the socket.
 */
export async function* messageSource(args: string[], files: string[], format: Format): AsyncGenerator<Buffer[]> {
  if (args.length > 0 || files.length > 0) {
    const frames = args.map((a) => parseFrame(a, format))
    for (const f of files) {
      try {
        frames.push(f === "-" ? readFileSync(0) : readFileSync(f))
      } catch (err) {
        throw new Error(`cannot read ${f}: ${(err as Error).message}`)
      }
    }
    yield frames
    return
  }
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
  try {
    for await (const line of rl) yield parseLine(line, format)
  } finally {
    rl.close()
  }
}

/** Writes one line to stdout, waiting when the pipe is full so output is never buffered without bound. */
export async function writeLine(line: string): Promise<void> {
  if (!process.stdout.write(line + "\n")) {
    await new Promise<void>((resolve) => process.stdout.once("drain", resolve))
  }
}
