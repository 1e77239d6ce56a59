/**
 * The `zmq-ts/draft` entry point as users get it: require() and import()
 * through the exports map from plain node processes (no tsx), .d.ts files
 * where package.json points, the same warning as `zeromq/draft`, and no
 * draft class on the main entry (zeromq.js has none there either).
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { before, test } from "node:test"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as zeromq from "zeromq"
import * as main from "../../src/index.js"
import { scaled } from "../helpers/time.js"
import { buildUnlessPresent } from "../helpers/build.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const DIST = join(ROOT, "dist")
const WARNING = "ZeroMQ draft features are experimental and could change at any time."
const ZEROMQ_DRAFT_NAMES = ["Client", "Datagram", "Dish", "Gather", "Radio", "Scatter", "Server"]
const NAMES = ["Channel", ...ZEROMQ_DRAFT_NAMES, "Peer"].sort()

before(
  () => {
    buildUnlessPresent(["esm/draft.js", "cjs/draft.js"])
  },
  { timeout: scaled(120_000) },
)

interface DraftReport {
  resolved: string
  names: string[]
  warnings: string[]
  tcp: string
  inproc: string
}

function runFixture(fixture: string): Promise<DraftReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join("test", "fixtures", fixture)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const guard = setTimeout(() => child.kill("SIGKILL"), scaled(15_000))
    child.once("error", reject)
    child.once("close", (code) => {
      clearTimeout(guard)
      if (code !== 0) reject(new Error(`${fixture} failed (exit ${code}):\n${stderr}`))
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as DraftReport)
    })
  })
}

void test('require("zmq-ts/draft") loads dist/cjs/draft.js, warns as zeromq/draft does, and works (tcp, inproc)', async () => {
  const r = await runFixture("pkg-draft.cjs")
  assert.equal(r.resolved, join(DIST, "cjs", "draft.js"))
  assert.deepEqual(r.names, NAMES)
  assert.deepEqual(r.warnings, [WARNING])
  assert.equal(r.tcp, "tcp-ok")
  assert.equal(r.inproc, "inproc-ok")
})

void test('import("zmq-ts/draft") loads dist/esm/draft.js, warns as zeromq/draft does, and works (tcp, inproc)', async () => {
  const r = await runFixture("pkg-draft.mjs")
  assert.equal(r.resolved, pathToFileURL(join(DIST, "esm", "draft.js")).href)
  assert.deepEqual(r.names, NAMES)
  assert.deepEqual(r.warnings, [WARNING])
  assert.equal(r.tcp, "tcp-ok")
  assert.equal(r.inproc, "inproc-ok")
})

void test("package.json maps ./draft to both builds, with .d.ts files that declare every class", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, Record<string, { types: string; default: string }>> }
  const entry = pkg.exports["./draft"]!
  for (const [cond, build] of [["import", "esm"], ["require", "cjs"]] as const) {
    const { types, default: js } = entry[cond]!
    assert.equal(types, `./dist/${build}/draft.d.ts`)
    assert.equal(js, `./dist/${build}/draft.js`)
    assert.ok(existsSync(join(ROOT, js)) && existsSync(join(ROOT, types)))
    const dts = readFileSync(join(ROOT, types), "utf8")
    for (const name of NAMES) assert.match(dts, new RegExp(`\\b${name}\\b`), `${types} declares ${name}`)
  }
})

void test("the main entry has no draft class, as zeromq's has none, and reports draft capability as zeromq does", () => {
  for (const name of NAMES) {
    assert.equal(name in main, false, `zmq-ts main entry has no ${name}`)
    if (ZEROMQ_DRAFT_NAMES.includes(name)) assert.equal(name in zeromq, false, `zeromq main entry has no ${name}`)
  }
  assert.equal(main.capability.draft, zeromq.capability.draft)
})
