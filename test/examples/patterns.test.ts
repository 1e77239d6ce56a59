/**
 * The pattern examples (examples/<name>/main.mjs, each one command: `node
 * examples/<name>/main.mjs`) run as a user runs them, against the built
 * package imported by its own name ("zmq-ts", through package.json
 * "exports"). Each must end by itself, print nothing on stderr and print
 * exactly the lines below: the replies, the cached value, the refused
 * stranger, the events. The examples wait on events, never on timing, so
 * their output is the same on every run.
 */
import assert from "node:assert/strict"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { before, describe, it } from "node:test"
import { scaled } from "../helpers/time.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
/** Only a guard against a hung example: each ends by itself in about a second (idle machine). */
const GUARD_MS = scaled(30_000)

interface Example {
  name: string
  /** stdout, line by line. */
  output: string[]
}

/**
 * The pipeline demo (`npm start`) forks processes and prints timings, so only
 * its verdict lines are checked; a small run keeps it to a few seconds.
 */
const PIPELINE = {
  args: ["--workers", "2", "--tasks", "2000"],
  lines: [
    "results      2,000 received by the sink",
    "check        OK: every task done exactly once (checksum 134,100)",
    "shutdown     OK: all 3 child processes exited with code 0",
  ],
}

const EXAMPLES: Example[] = [
  {
    name: "rr-broker",
    output: [
      "alice: HELLO FROM ALICE, BYE FROM ALICE",
      "bob: HELLO FROM BOB, BYE FROM BOB",
      "carol: HELLO FROM CAROL, BYE FROM CAROL",
      "requests served by the workers: 6",
    ],
  },
  {
    name: "pubsub-lvc",
    output: [
      "late joiner, at once from the cache: EURUSD 1.0853",
      "late joiner, live: EURUSD 1.0860",
      "cache holds: EURUSD=1.0860 GBPUSD=1.2722",
    ],
  },
  {
    name: "lb-broker",
    output: [
      "job 1 done",
      "job 2 done",
      "job 3 done",
      "job 4 done",
      "job 5 done",
      "job 6 done",
      "job 7 done",
      "job 8 done",
      "job 9 done",
      "job 10 done",
      "jobs done by the fast worker: 9, by the stuck one: 1",
    ],
  },
  {
    name: "majordomo",
    output: [
      "mmi.service echo    -> 200",
      "mmi.service weather -> 404",
      "echo  \"hello\"       -> hello",
      "upper \"majordomo\"   -> MAJORDOMO",
      "upper \"at\"          -> AT",
      "upper \"your\"        -> YOUR",
      "upper \"service\"     -> SERVICE",
    ],
  },
  {
    name: "curve-zap",
    output: [
      "zap: CURVE client from 127.0.0.1 allowed",
      "trusted client got: secret answer to \"what is the plan?\"",
      "zap: CURVE client from 127.0.0.1 denied",
      "stranger refused: handshake:error:auth, status 400 (Authentication failure)",
    ],
  },
  {
    name: "proxy-capture",
    output: [
      "client: stressed -> desserts",
      "client: drawer -> reward",
      "captured:",
      "  <id:5> \"\" \"stressed\"",
      "  <id:5> \"\" \"desserts\"",
      "  <id:5> \"\" \"drawer\"",
      "  <id:5> \"\" \"reward\"",
    ],
  },
  {
    name: "heartbeat",
    output: [
      "connected",
      "reply: pong 1",
      "cable cut: no traffic either way, no connection closed",
      "heartbeat timeout: the client dropped the silent connection",
      "cable repaired: the client reconnected by itself",
      "reply: pong 2",
    ],
  },
  {
    name: "draft",
    output: [
      "client: length of \"radio\" is 5",
      "client: length of \"dish\" is 4",
      "dish: [weather] sunny",
      "dish: [weather] rain later",
    ],
  },
  {
    name: "observer",
    output: [
      "1. connect before the server is up",
      "  client: close",
      "  client: connect:retry",
      "  server: bind",
      "  server: accept",
      "  server: handshake",
      "  client: connect",
      "  client: handshake",
      "  server received: hello",
      "2. a CURVE client against a NULL server",
      "  curve client: connect",
      "  curve client: handshake:error:protocol: ZMTP protocol error (ERR_ZMTP_MECHANISM_MISMATCH)",
      "3. the server goes away",
      "  client: disconnect",
      "  client: connect:retry",
    ],
  },
]

function run(name: string, args: string[] = []): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join("examples", name, "main.mjs"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const guard = setTimeout(() => child.kill("SIGKILL"), GUARD_MS)
    child.once("error", reject)
    // 'close', not 'exit': every line the child printed has been read by then.
    child.once("close", (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

before(
  () => {
    if (["esm/index.js", "esm/util.js"].every((f) => existsSync(join(ROOT, "dist", f)))) return
    const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" })
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}\n${r.stderr}`)
  },
  { timeout: 180_000 },
)

void describe("examples: one per pattern, each runnable with one command", () => {
  void it("every examples/<name>/main.mjs is run here", () => {
    const dirs = readdirSync(join(ROOT, "examples")).filter((d) => existsSync(join(ROOT, "examples", d, "main.mjs")))
    assert.deepEqual(dirs.sort(), [...EXAMPLES.map((e) => e.name), "pipeline"].sort())
  })

  for (const example of EXAMPLES) {
    void it(`node examples/${example.name}/main.mjs prints what it should and ends by itself`, { timeout: GUARD_MS * 2 }, async () => {
      const r = await run(example.name)
      assert.equal(r.signal, null, `killed after ${GUARD_MS} ms (hung?):\n${r.stdout}\n${r.stderr}`)
      assert.equal(r.code, 0, `exit code ${r.code}:\n${r.stderr}`)
      assert.equal(r.stderr, "", "nothing on stderr (no warning, no error)")
      assert.deepEqual(r.stdout.split("\n"), [...example.output, ""])
    })
  }

  void it(`node examples/pipeline/main.mjs ${PIPELINE.args.join(" ")} delivers every task once and ends cleanly`, { timeout: GUARD_MS * 2 }, async () => {
    const r = await run("pipeline", PIPELINE.args)
    assert.equal(r.signal, null, `killed after ${GUARD_MS} ms (hung?):\n${r.stdout}\n${r.stderr}`)
    assert.equal(r.code, 0, `exit code ${r.code}:\n${r.stdout}\n${r.stderr}`)
    const lines = r.stdout.split("\n")
    for (const line of PIPELINE.lines) assert.ok(lines.includes(line), `missing "${line}" in:\n${r.stdout}`)
  })
})
