/**
 * Runs every example program of a folder as child processes, once on zeromq
 * and once on zmq-ts (the built package, resolved through its own
 * "exports"; the program imports what ZMQ_MODULE names), and requires the
 * same output and a clean exit from both.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { before, describe, it } from "node:test"
import { scaled } from "../helpers/time.js"
import { buildUnlessPresent } from "../helpers/build.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(path: string, module: string, guardMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path], { cwd: ROOT, env: { ...process.env, ZMQ_MODULE: module }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    // Only a guard against a hung child: every example ends by itself.
    const guard = setTimeout(() => child.kill("SIGKILL"), guardMs)
    child.once("error", reject)
    child.once("close", (code) => {
      clearTimeout(guard)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface ExampleSuite {
  title: string
  /** Folder under examples/. */
  folder: string
  extension: string
  /** What ZMQ_MODULE names for each library. */
  modules: { ours: string; reference: string }
  /** Built files the programs need (relative to dist/). */
  needs: string[]
  guardMs: number
}

export function exampleSuite(s: ExampleSuite): void {
  const dir = join(ROOT, "examples", s.folder)
  before(
    () => {
      buildUnlessPresent(s.needs)
    },
    { timeout: scaled(120_000) },
  )
  void describe(s.title, () => {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(s.extension)).sort()) {
      void it(`${file} prints the same on zeromq and zmq-ts, and ends by itself`, { timeout: s.guardMs * 3 }, async () => {
        const path = join(dir, file)
        const [ours, reference] = await Promise.all([run(path, s.modules.ours, s.guardMs), run(path, s.modules.reference, s.guardMs)])
        assert.equal(reference.code, 0, `zeromq run failed:\n${reference.stderr}`)
        assert.equal(ours.code, 0, `zmq-ts run failed:\n${ours.stderr}`)
        assert.ok(reference.stdout.length > 0, "the example prints something")
        assert.equal(ours.stdout, reference.stdout)
      })
    }
  })
}
