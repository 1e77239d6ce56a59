/**
 * send, recv, req, rep, pub and sub: one socket, messages between it and
 * stdin/stdout.
 */
import { spawn } from "node:child_process"
import { XPublisher, type Socket } from "../index.js"
import { formatMessage, formatOf, messageSource, parseLine, writeLine, type Format } from "./frames.js"
import { COMMON_FLAGS, int, list, parse, str, UsageError, type FlagTable, type Values } from "./options.js"
import { announceBinds, canReceive, canSend, makeSocket, timeoutOf, within, type Diagnosis } from "./socket.js"

export const MESSAGING_FLAGS: FlagTable = {
  ...COMMON_FLAGS,
  type: { type: "string", short: "t" },
  format: { type: "string", short: "f" },
  file: { type: "string", multiple: true },
  count: { type: "string", short: "n" },
  timeout: { type: "string" },
  topic: { type: "string", multiple: true },
  exec: { type: "string", short: "e" },
  "wait-subscribers": { type: "string" },
  quiet: { type: "boolean", short: "q" },
}

/** Which flags each command takes beyond the common ones (others are usage errors). */
const EXTRA: Record<string, readonly string[]> = {
  send: ["type", "format", "file", "count", "timeout", "topic", "quiet"],
  recv: ["type", "format", "count", "timeout", "topic", "quiet"],
  req: ["format", "file", "count", "timeout", "quiet"],
  rep: ["format", "count", "timeout", "exec", "quiet"],
  pub: ["format", "file", "count", "timeout", "topic", "wait-subscribers", "quiet"],
  sub: ["format", "count", "timeout", "topic", "quiet"],
}

export function parseMessaging(command: string, argv: string[]): { values: Values; positionals: string[] } {
  const r = parse(argv, MESSAGING_FLAGS)
  for (const k of Object.keys(r.values)) {
    if (k in COMMON_FLAGS || EXTRA[command]?.includes(k) === true) continue
    throw new UsageError(`${command} does not take --${k}`)
  }
  return r
}

function lingerFor(v: Values): Record<string, number> {
  const timeout = timeoutOf(v)
  return timeout > 0 ? { linger: timeout } : {}
}

/** Ends a socket whether the command succeeded or not; queued messages still go out within linger. */
async function using<T>(socket: Socket, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } finally {
    socket.close()
  }
}

async function subscribe(socket: Socket, type: string, topics: string[], diagnosis: Diagnosis): Promise<void> {
  const all = topics.length ? topics : [""]
  if (type === "sub") (socket as unknown as { subscribe(...t: string[]): void }).subscribe(...all)
  else if (type === "xsub" && canSend(socket)) {
    for (const t of all) await within(socket.send([Buffer.concat([Buffer.of(1), Buffer.from(t)])]), 0, "subscribe", diagnosis)
  } else if (topics.length) throw new UsageError("--topic applies to sub and xsub sockets")
}

async function sendAll(
  socket: Socket,
  v: Values,
  args: string[],
  diagnosis: Diagnosis,
  prefix: Buffer[] = [],
): Promise<number> {
  if (!canSend(socket)) throw new UsageError("this socket type cannot send")
  const format = formatOf(str(v, "format"))
  const fromArgs = args.length > 0 || list(v, "file").length > 0
  const count = int(v, "count", fromArgs ? 1 : Infinity, 1)
  const timeout = timeoutOf(v)
  await within(diagnosis.peer(), timeout, "no peer", diagnosis)
  let sent = 0
  for await (const frames of messageSource(args, list(v, "file"), format)) {
    // Arguments are one message, repeated --count times; stdin gives one per line.
    for (let i = 0; i < (fromArgs ? count : 1) && sent < count; i++) {
      await within(socket.send([...prefix, ...frames]), timeout, "could not send", diagnosis)
      sent++
    }
    if (sent >= count) break
  }
  return sent
}

async function receiveAll(socket: Socket, v: Values, diagnosis: Diagnosis): Promise<number> {
  if (!canReceive(socket)) throw new UsageError("this socket type cannot receive")
  const format = formatOf(str(v, "format"))
  const count = int(v, "count", Infinity, 1)
  const timeout = timeoutOf(v)
  let received = 0
  while (received < count) {
    const frames = await within(socket.receive(), timeout, "no message", diagnosis)
    await writeLine(formatMessage(frames, format))
    received++
  }
  return received
}

export async function runSend(argv: string[], command = "send"): Promise<void> {
  const { values: v, positionals } = parseMessaging(command, argv)
  const type = command === "pub" ? "pub" : str(v, "type")
  const topic = list(v, "topic")
  if (topic.length > 1) throw new UsageError("give one --topic to send under")
  const waitFor = int(v, "wait-subscribers", 0)
  // An XPUB sees subscriptions arrive, so it can wait for them: no "slow joiner" losses.
  // Closing waits (linger) for queued messages to go out, within --timeout if given.
  const made = await makeSocket(v, waitFor > 0 ? "xpub" : type, lingerFor(v))
  announceBinds(made.socket, v, v.quiet === true)
  await using(made.socket, async () => {
    if (waitFor > 0 && made.socket instanceof XPublisher) {
      for (let seen = 0; seen < waitFor; ) {
        const [sub] = await within(made.socket.receive(), timeoutOf(v), `only ${seen} of ${waitFor} subscribers`, made.diagnosis)
        if (sub !== undefined && sub[0] === 1) seen++
      }
    }
    await sendAll(made.socket, v, positionals, made.diagnosis, topic.map((t) => Buffer.from(t)))
  })
}

export async function runRecv(argv: string[], command = "recv"): Promise<void> {
  const { values: v, positionals } = parseMessaging(command, argv)
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
  const type = (command === "sub" ? "sub" : (str(v, "type") ?? "")).toLowerCase()
  const made = await makeSocket(v, type)
  announceBinds(made.socket, v, v.quiet === true)
  await using(made.socket, async () => {
    await subscribe(made.socket, type, list(v, "topic"), made.diagnosis)
    await receiveAll(made.socket, v, made.diagnosis)
  })
}

/** REQ: each message (arguments, files or stdin lines) is a request; its reply is printed. */
export async function runReq(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseMessaging("req", argv)
  const made = await makeSocket(v, "req", lingerFor(v))
  const socket = made.socket
  if (!canSend(socket) || !canReceive(socket)) throw new Error("REQ socket lacks send/receive")
  const format = formatOf(str(v, "format"))
  const fromArgs = positionals.length > 0 || list(v, "file").length > 0
  const count = int(v, "count", fromArgs ? 1 : Infinity, 1)
  const timeout = timeoutOf(v)
  announceBinds(socket, v, v.quiet === true)
  await using(socket, async () => {
    await within(made.diagnosis.peer(), timeout, "no peer", made.diagnosis)
    let done = 0
    for await (const frames of messageSource(positionals, list(v, "file"), format)) {
      for (let i = 0; i < (fromArgs ? count : 1) && done < count; i++) {
        await within(socket.send(frames), timeout, "could not send the request", made.diagnosis)
        const reply = await within(socket.receive(), timeout, "no reply", made.diagnosis)
        await writeLine(formatMessage(reply, format))
        done++
      }
      if (done >= count) break
    }
  })
}

/** Runs `cmd` in a shell with the request on stdin; its stdout is the reply. */
function execReply(cmd: string, request: Buffer[], format: Format): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", cmd], { stdio: ["pipe", "pipe", "inherit"] })
    const out: Buffer[] = []
    child.stdout.on("data", (d: Buffer) => out.push(d))
    child.on("error", reject)
    child.on("close", (code) => {
      if (code !== 0) process.stderr.write(`zmq-ts rep: --exec command exited with ${code}\n`)
      const text = Buffer.concat(out)
      if (format === "text") {
        // `echo` ends its output with a newline nobody means to send.
        resolve([text.at(-1) === 0x0a ? text.subarray(0, -1) : text])
      } else {
        const line = text.toString("utf8").trim()
        resolve(line === "" ? [Buffer.alloc(0)] : parseLine(line, format))
      }
    })
    // A command that does not read its stdin closes it early: that is fine.
    child.stdin.on("error", () => undefined)
    child.stdin.end(format === "text" ? Buffer.concat(request.flatMap((f, i) => (i ? [Buffer.from("\n"), f] : [f]))) : formatMessage(request, format) + "\n")
  })
}

/** REP: prints each request and answers it with itself, or with `--exec`'s output. */
export async function runRep(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseMessaging("rep", argv)
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
  const made = await makeSocket(v, "rep", lingerFor(v))
  const socket = made.socket
  if (!canSend(socket) || !canReceive(socket)) throw new Error("REP socket lacks send/receive")
  const format = formatOf(str(v, "format"))
  const count = int(v, "count", Infinity, 1)
  const timeout = timeoutOf(v)
  const cmd = str(v, "exec")
  announceBinds(socket, v, v.quiet === true)
  await using(socket, async () => {
    for (let done = 0; done < count; done++) {
      const request = await within(socket.receive(), timeout, "no request", made.diagnosis)
      if (v.quiet !== true) await writeLine(formatMessage(request, format))
      const reply = cmd === undefined ? request : await execReply(cmd, request, format)
      await within(socket.send(reply), timeout, "could not send the reply", made.diagnosis)
    }
  })
}
