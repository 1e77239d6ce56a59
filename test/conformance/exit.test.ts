/**
 * The warning at process exit about queued messages: zeromq.js prints it on
 * stderr when exiting has waited 500 ms for them, and only then. Each case
 * runs test/fixtures/lifecycle-send.ts in a child process with the library
 * under test and observes the exit code and the warning lines.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { describe } from "node:test"
import { fileURLToPath } from "node:url"
import { conform, type LibName } from "./harness.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/** Runs a fixture with `lib`; resolves with its exit code and stderr. */
function runFixture(lib: LibName, fixture: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("test", "fixtures", fixture), lib, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stderr }))
  })
}

/** The warning lines, without the pid. */
const warnings = (stderr: string): string[] =>
  stderr
    .split("\n")
    .filter((l) => /warning/i.test(l))
    .map((l) => l.replace(/^\(node:\d+\)/, "(node:<pid>)"))

const WARNING =
  "(node:<pid>) WARNING: Waiting for queued ZeroMQ messages to be delivered. Set 'context.blocky = false' to change this behaviour."

/** An endpoint nothing listens on: messages queued for it stay queued. */
function nowhere(lib: LibName, transport: "tcp" | "ipc"): string {
  return transport === "tcp" ? "tcp://127.0.0.1:1" : `ipc:///tmp/zmq-conf-exit-nobody-${lib}-${process.pid}.sock`
}

void describe("conformance: exit warning", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    conform(`messages queued for a peer that never comes, linger 1500: the warning, then exit [${transport}]`, async (_zmq, t) => {
      const r = await runFixture(t.lib, "lifecycle-send.ts", [nowhere(t.lib, transport), "5", "10", "1500", "open"])
      return { code: r.code, warnings: warnings(r.stderr) }
    }, { expect: { code: 0, warnings: [WARNING] }, timeout: 20_000 })
    conform(`messages queued with linger 200: no warning [${transport}]`, async (_zmq, t) => {
      const r = await runFixture(t.lib, "lifecycle-send.ts", [nowhere(t.lib, transport), "5", "10", "200", "open"])
      return { code: r.code, warnings: warnings(r.stderr) }
    }, { expect: { code: 0, warnings: [] }, timeout: 20_000 })
    conform(`messages queued with linger 0: no warning [${transport}]`, async (_zmq, t) => {
      const r = await runFixture(t.lib, "lifecycle-send.ts", [nowhere(t.lib, transport), "5", "10", "0", "open"])
      return { code: r.code, warnings: warnings(r.stderr) }
    }, { expect: { code: 0, warnings: [] }, timeout: 20_000 })
    conform(`messages queued, context not blocky: no warning [${transport}]`, async (_zmq, t) => {
      const r = await runFixture(t.lib, "lifecycle-send.ts", [nowhere(t.lib, transport), "5", "10", "default", "open", "nonblocky"])
      return { code: r.code, warnings: warnings(r.stderr) }
    }, { expect: { code: 0, warnings: [] }, timeout: 20_000 })
  }
})
