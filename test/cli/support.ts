/**
 * Running the `zmq-ts` command (src/cli/main.ts under tsx, so no build step
 * can go stale) and pyzmq peers (py_peer.py) as child processes, reading
 * their output line by line so that tests wait on what they print.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { once } from "node:events"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { scaled } from "../helpers/time.js"

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, "..", "..")
const MAIN = join(ROOT, "src", "cli", "main.ts")
const PY_PEER = join(HERE, "py_peer.py")
export const PYTHON = "/usr/bin/python3"

/** Lines of one stream, kept, with a wait for the next line matching a test. */
class Lines {
  readonly all: string[] = []
  private waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = []
  private ended = false
  private endWaiters: ((v: string) => void)[] = []

  constructor(stream: NodeJS.ReadableStream) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity })
    rl.on("line", (line) => {
      this.all.push(line)
      const hit = this.waiters.filter((w) => w.match(line))
      this.waiters = this.waiters.filter((w) => !w.match(line))
      for (const w of hit) w.resolve(line)
    })
    rl.on("close", () => {
      this.ended = true
      for (const w of this.waiters) w.resolve("")
      this.waiters = []
      for (const w of this.endWaiters.splice(0)) w("")
    })
  }

  /** The first line matching `re`, past or future; "" if the stream ends without one. */
  wait(re: RegExp): Promise<string> {
    const seen = this.all.find((l) => re.test(l))
    if (seen !== undefined || this.ended) return Promise.resolve(seen ?? "")
    return new Promise((resolve) => this.waiters.push({ match: (l) => re.test(l), resolve }))
  }
}

export interface Proc {
  child: ChildProcessWithoutNullStreams
  stdout: Lines
  stderr: Lines
  /** Exit code (or 128+signal) once the process has exited. */
  exited: Promise<number>
  kill(): void
}

const live = new Set<Proc>()

function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] })
  const exited = once(child, "exit").then(([code, signal]) => (code as number | null) ?? 128 + (signal === "SIGKILL" ? 9 : 15))
  const proc: Proc = {
    child,
    stdout: new Lines(child.stdout),
    stderr: new Lines(child.stderr),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    },
  }
  live.add(proc)
  void exited.then(() => live.delete(proc))
  return proc
}

/** `zmq-ts ARGS...`; `input`, if given, is written to stdin and stdin closed. */
export function cli(args: string[], input?: string): Proc {
  const p = start(process.execPath, ["--import", "tsx", MAIN, ...args])
  if (input !== undefined) p.child.stdin.end(input)
  return p
}

/** Runs `zmq-ts ARGS...` to the end. */
export async function runCli(args: string[], input = ""): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const p = cli(args, input)
  const code = await p.exited
  // The line readers may still hold the last lines; they close right after exit.
  await Promise.all([p.stdout.wait(/^\0never/), p.stderr.wait(/^\0never/)])
  return { code, stdout: p.stdout.all, stderr: p.stderr.all }
}

/** The endpoint a CLI command bound, from its "bound ENDPOINT" line on stderr. */
export async function boundEndpoint(p: Proc, label = "bound"): Promise<string> {
  const line = await p.stderr.wait(new RegExp(`^(\\w+ )?${label} `))
  const ep = line.split(" ").at(-1) ?? ""
  if (!ep.startsWith("tcp://")) throw new Error(`no endpoint on stderr: ${p.stderr.all.join(" | ")}`)
  return ep
}

export interface PyScript {
  curve_server?: string
  curve_client?: [string, string, string]
  subscribe?: string[]
  wait_subscription?: boolean
  send?: string[][]
  recv?: number
  echo?: number
  request?: string[][]
}

export interface PyPeer extends Proc {
  endpoint: Promise<string>
  /** Messages the peer received, as text frames, once the script is done. */
  done(): Promise<string[][]>
  /** Lets the peer close (end of stdin) and waits for it to exit. */
  close(): Promise<number>
}

export function pyPeer(type: string, mode: "bind" | "connect", endpoint: string, script: PyScript = {}): PyPeer {
  const p = start(PYTHON, [PY_PEER, type, mode, endpoint, JSON.stringify(script)])
  const json = (l: string): Record<string, unknown> => (l === "" ? {} : (JSON.parse(l) as Record<string, unknown>))
  return {
    ...p,
    endpoint: p.stdout.wait(/"endpoint"/).then((l) => String(json(l).endpoint)),
    done: async () => {
      const last = await p.stdout.wait(/"done"/)
      if (last === "") throw new Error(`python peer failed: ${p.stderr.all.join("\n")}`)
      return p.stdout.all
        .map(json)
        .filter((o) => Array.isArray(o.recv))
        .map((o) => (o.recv as string[]).map((h) => Buffer.from(h, "hex").toString("utf8")))
    },
    close: () => {
      p.child.stdin.end()
      return p.exited
    },
  }
}

/** A Python program (with pyzmq) given as text, its arguments after it. */
export function pyScript(code: string, ...args: string[]): Proc {
  return start(PYTHON, ["-c", code, ...args])
}

/** Runs test/helpers/peers/secure_peer.py (the interop tier's PLAIN/CURVE peer). */
export function securePeer(...args: string[]): Proc {
  return start(PYTHON, [join(ROOT, "test", "helpers", "peers", "secure_peer.py"), ...args])
}

/** Frames as hex, for py_peer's "send". */
export const hex = (...frames: string[]): string[] => frames.map((f) => Buffer.from(f).toString("hex"))

/** Kills whatever a failed test left running; call from afterEach. */
export function killAll(): void {
  for (const p of live) p.kill()
}

/** Generous per-test limit: each test starts node with tsx and python, on a shared machine. */
export const TEST_TIMEOUT = scaled(120_000)
