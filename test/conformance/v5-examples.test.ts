/**
 * The ZeroMQ guide's v5 examples under examples/v5 run as child processes,
 * once on zeromq/v5-compat and once on zmq-ts/v5-compat (the built package,
 * resolved through its own "exports"), and must print the same thing.
 */
import assert from "node:assert/strict"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { before, describe, it } from "node:test"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const DIR = join(ROOT, "examples", "v5")

before(
  () => {
    if (existsSync(join(ROOT, "dist", "cjs", "v5-compat.js"))) return
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
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.once("error", reject)
    child.once("close", (code) => {
      clearTimeout(guard)
      resolve({ code, stdout, stderr })
    })
  })
}

void describe("conformance v5: the guide's examples", () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith(".cjs")).sort()) {
    void it(`${file} prints the same on zeromq and zmq-ts`, { timeout: 60_000 }, async () => {
      const [ours, reference] = await Promise.all([run(file, "zmq-ts/v5-compat"), run(file, "zeromq/v5-compat")])
      assert.equal(reference.code, 0, `zeromq run failed:\n${reference.stderr}`)
      assert.equal(ours.code, 0, `zmq-ts run failed:\n${ours.stderr}`)
      assert.ok(reference.stdout.length > 0, "the example prints something")
      assert.equal(ours.stdout, reference.stdout)
    })
  }
})
