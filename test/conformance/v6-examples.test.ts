/**
 * Our own example programs under examples/v6 (the patterns of zeromq.js's
 * examples: majordomo, queue, pub-sub, push-pull, req-rep, threaded-worker)
 * run as child processes, once on zeromq and once on zmq-ts (the built
 * package, resolved through its own "exports"), and must print the same.
 */
import assert from "node:assert/strict"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { before, describe, it } from "node:test"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const DIR = join(ROOT, "examples", "v6")

before(
  () => {
    if (existsSync(join(ROOT, "dist", "esm", "index.js")) && existsSync(join(ROOT, "dist", "cjs", "index.js"))) return
    const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" })
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}\n${r.stderr}`)
  },
  { timeout: 120_000 },
)

function run(file: string, module: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIR, file)], { cwd: ROOT, env: { ...process.env, ZMQ_MODULE: module }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    // Only a guard against a hung child: every example ends by itself.
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.once("error", reject)
    child.once("close", (code) => {
      clearTimeout(guard)
      resolve({ code, stdout, stderr })
    })
  })
}

void describe("conformance: the v6 examples", () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith(".mjs")).sort()) {
    void it(`${file} prints the same on zeromq and zmq-ts, and ends by itself`, { timeout: 90_000 }, async () => {
      const [ours, reference] = await Promise.all([run(file, "zmq-ts"), run(file, "zeromq")])
      assert.equal(reference.code, 0, `zeromq run failed:\n${reference.stderr}`)
      assert.equal(ours.code, 0, `zmq-ts run failed:\n${ours.stderr}`)
      assert.ok(reference.stdout.length > 0, "the example prints something")
      assert.equal(ours.stdout, reference.stdout)
    })
  }
})
