/**
 * `npm run build` for the tests that run the built package (examples,
 * packaging, other runtimes), at most once however many test files ask at
 * the same time. scripts/build.mjs starts by deleting dist/: two test files
 * building at once (the runner runs two files in parallel) made one's
 * example programs fail with "Cannot find module './errors.js'" under
 * test:stress. The check and the build run under flock(1) on one lock file,
 * so a test file either finds dist/ complete or waits for the build under
 * way, then finds it complete.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const SCRIPT = fileURLToPath(new URL("./build-locked.mjs", import.meta.url))

function locked(args: string[]): void {
  const tmp = join(ROOT, "tmp")
  mkdirSync(tmp, { recursive: true })
  const r = spawnSync("flock", [join(tmp, "build.lock"), process.execPath, SCRIPT, ...args], { cwd: ROOT, encoding: "utf8" })
  assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}\n${r.stderr}`)
}

/** Builds unless every one of `files` (relative to dist/) exists. */
export function buildUnlessPresent(files: string[]): void {
  locked(["files", ...files])
}

/** Builds unless `entry` (relative to dist/) is newer than every file in src/. */
export function buildUnlessStale(entry: string): void {
  locked(["newer", entry])
}
