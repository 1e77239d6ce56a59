// Runs the test suite with Node's own test runner, TypeScript loaded by tsx.
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: test/)
// Node 20's runner does not pick up .ts files by itself, so we list them.
import { spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

function collect(p, out) {
  const st = statSync(p)
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) collect(join(p, e), out)
  } else if (p.endsWith(".test.ts")) {
    out.push(p)
  }
  return out
}

const args = process.argv.slice(2)
const files = []
for (const a of args.length ? args : ["test"]) collect(a, files)
if (files.length === 0) {
  console.error("no test files found")
  process.exit(1)
}
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
  { stdio: "inherit", env: { ...process.env, ZMQ_TS_TEST: "1" } },
)
process.exit(r.status ?? 1)
