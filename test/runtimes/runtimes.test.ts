/**
 * The built package (dist/esm) under each server-side runtime zmq-ts
 * promises: Node, Bun and Deno. test/runtimes/smoke.mjs is plain ESM, so each
 * runtime runs it as it is, in a child process; this file asserts the exit
 * status and that every check printed "ok" (or, for checks listed in
 * NOT_APPLICABLE for that runtime, "n/a" with its reason).
 *
 * Bun and Deno come from devDependencies that ship the binary inside the npm
 * package (@oven/bun-linux-x64, @deno/linux-x64-glibc): no download at install
 * time. On another platform those packages are absent and the runtime's test
 * is reported as skipped, not passed.
 *
 * test/runtimes/peer.mjs then runs under Bun and Deno as the far end of a
 * tcp and a ws connection from zmq-ts on Node (this process, from src/).
 *
 * dist/ is built by `npm ci` (the `prepare` script). If it is missing or older
 * than src/, `npm run build` runs first, so the test never checks stale code.
 */
import assert from "node:assert/strict"
import { spawn, type ChildProcessByStdio } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { Readable } from "node:stream"
import { before, test } from "node:test"
import { fileURLToPath } from "node:url"
import { Request } from "../../src/index.js"
import { scaled } from "../helpers/time.js"
import { buildUnlessStale } from "../helpers/build.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const SMOKE = join("test", "runtimes", "smoke.mjs")
const PEER = join("test", "runtimes", "peer.mjs")
/** The smoke script's own bound (passed as its argument); the child is killed a little later. */
const SMOKE_TIMEOUT_MS = scaled(20_000)

/** Every check smoke.mjs runs, in its order. */
const SOCKET_CHECKS = ["push-pull", "req-rep", "dealer-router", "pub-sub", "xpub-xsub", "pair"]
const CHECKS = [
  ...["tcp", "ipc", "inproc"].flatMap((t) => SOCKET_CHECKS.map((c) => `${t} ${c}`)),
  "ipc abstract namespace",
  "tcp observer events",
  "inproc across worker threads",
  "tcp 1 MiB message",
  "tcp PLAIN (ZAP handler over inproc)",
  "tcp CURVE",
  "ws dealer-router",
]

interface Runtime {
  name: "node" | "bun" | "deno"
  /** The executable, or undefined when this platform has no package for it. */
  bin: string | undefined
  args: string[]
  /** Checks this runtime reports as not applicable (with the reason printed), none so far. */
  notApplicable: string[]
}

const platformBin = (path: string): string | undefined => {
  const p = join(ROOT, "node_modules", path)
  return process.platform === "linux" && process.arch === "x64" && existsSync(p) ? p : undefined
}

const RUNTIMES: Runtime[] = [
  { name: "node", bin: process.execPath, args: [], notApplicable: [] },
  { name: "bun", bin: platformBin("@oven/bun-linux-x64/bin/bun"), args: [], notApplicable: [] },
  {
    name: "deno",
    bin: platformBin("@deno/linux-x64-glibc/deno"),
    // net: tcp, ws and ipc (Deno counts Unix sockets as net); read/write: the
    // ipc socket files; env: os.tmpdir() reads TMPDIR. No --allow-all.
    args: ["run", "--no-prompt", "--allow-net", "--allow-read", "--allow-write", "--allow-env"],
    notApplicable: [],
  },
]

before(
  () => {
    buildUnlessStale("esm/index.js")
  },
  { timeout: scaled(180_000) },
)

interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the smoke script under `rt`; resolves when the child exits (killed past its own bound). */
function runSmoke(rt: Runtime, bin: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...rt.args, SMOKE, String(SMOKE_TIMEOUT_MS)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const killer = setTimeout(() => child.kill("SIGKILL"), SMOKE_TIMEOUT_MS + 10_000)
    child.on("error", (err) => {
      clearTimeout(killer)
      reject(err)
    })
    child.on("close", (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

for (const rt of RUNTIMES) {
  const skip = rt.bin === undefined ? `no ${rt.name} binary for ${process.platform}-${process.arch} in node_modules` : false
  void test(`smoke suite under ${rt.name}`, { skip, timeout: SMOKE_TIMEOUT_MS + 20_000 }, async () => {
    assert.ok(rt.bin !== undefined)
    const r = await runSmoke(rt, rt.bin)
    const output = `exit ${r.code ?? r.signal}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`
    const lines = r.stdout.split("\n").filter((l) => l !== "")
    assert.match(lines[0] ?? "", new RegExp(`^runtime ${rt.name} \\d+\\.\\d+\\.\\d+`), output)
    const results = lines.slice(1, -1)
    const expected = CHECKS.map((c) => (rt.notApplicable.includes(c) ? `n/a ${c}` : `ok ${c}`))
    assert.deepEqual(
      results.map((l) => (l.startsWith("n/a ") ? l.slice(0, l.indexOf(":")) : l)),
      expected,
      output,
    )
    for (const l of results) if (l.startsWith("n/a ")) assert.match(l, /^n\/a [^:]+: \S/, `n/a without a reason: ${l}`)
    assert.equal(lines.at(-1), "done", output)
    assert.equal(r.code, 0, output)
    // The process ended by itself (smoke.mjs never calls process.exit on
    // success), so every socket, timer and handle was released.
  })
}

/** Reads "endpoint <ep>" lines from the child's stdout until `count` are in. */
function endpoints(child: ChildProcessByStdio<null, Readable, Readable>, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const found: string[] = []
    let buf = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (d: string) => {
      buf += d
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.startsWith("endpoint ")) found.push(line.slice("endpoint ".length))
        if (found.length === count) resolve(found)
      }
    })
    child.once("exit", (code) => reject(new Error(`peer exited (${code ?? "signal"}) before printing its endpoints:\n${buf}`)))
    child.once("error", reject)
  })
}

for (const rt of RUNTIMES.filter((r) => r.name !== "node")) {
  const skip = rt.bin === undefined ? `no ${rt.name} binary for ${process.platform}-${process.arch} in node_modules` : false
  void test(`zmq-ts on node talks to zmq-ts on ${rt.name} over tcp and ws`, { skip, timeout: SMOKE_TIMEOUT_MS + 20_000 }, async () => {
    assert.ok(rt.bin !== undefined)
    const child = spawn(rt.bin, [...rt.args, PEER, String(SMOKE_TIMEOUT_MS)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    const killer = setTimeout(() => child.kill("SIGKILL"), SMOKE_TIMEOUT_MS + 10_000)
    try {
      for (const ep of await endpoints(child, 2)) {
        const req = new Request({ linger: 0 })
        try {
          req.connect(ep)
          await req.send(`hello over ${ep.split(":")[0]}`)
          const [reply] = await req.receive()
          assert.equal(String(reply), `${rt.name} got hello over ${ep.split(":")[0]}`)
        } finally {
          req.close()
        }
      }
      assert.equal(await exited, 0, stderr)
    } finally {
      clearTimeout(killer)
      child.kill("SIGKILL")
    }
  })
}
