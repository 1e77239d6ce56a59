/**
 * The built package as users get it: dist/cjs through require("zmq-ts"),
 * dist/esm through import("zmq-ts") (the exports map; a package can refer to
 * itself by name, so this repository is its own consumer), inside a worker
 * thread too, with .d.ts files for both, and nothing native to install.
 *
 * The consumers are plain .cjs/.mjs fixtures run by node without tsx, so
 * nothing but Node's own resolution is involved. dist/ must be built: if it
 * is missing, `npm run build` runs first.
 */
import assert from "node:assert/strict"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { before, test } from "node:test"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as zeromq from "zeromq"
import * as src from "../../src/index.js"
import { scaled } from "../helpers/time.js"
import { buildUnlessPresent } from "../helpers/build.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const DIST = join(ROOT, "dist")
const BUILDS = ["esm", "cjs"] as const

interface PackageJson {
  name: string
  version: string
  type?: string
  main?: string
  module?: string
  types?: string
  exports?: Record<string, unknown>
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  bundleDependencies?: unknown
  bundledDependencies?: unknown
  gypfile?: boolean
  binary?: unknown
  files?: string[]
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T
const pkg = readJson<PackageJson>(join(ROOT, "package.json"))

/** Every file under `dir`, recursively. */
function walk(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...walk(p))
    else out.push(p)
  }
  return out
}

/** npm's install-time lifecycle scripts (a registry install runs these, and only these). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall"]

before(
  () => {
    buildUnlessPresent(["esm/index.js", "cjs/index.js"])
  },
  { timeout: scaled(120_000) },
)

// ---- consumers in child processes -----------------------------------------------------

interface ChildResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node <fixture>` (no tsx) from the repository root; killed after 15 s. */
function runNode(fixture: string): Promise<ChildResult> {
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
      resolve({ code, stdout, stderr })
    })
  })
}

/** The JSON line a fixture prints last, after checking it exited with 0. */
function report<T>(r: ChildResult): T {
  assert.equal(r.code, 0, `the fixture failed (exit ${r.code}):\n${r.stderr}`)
  const last = r.stdout.trim().split("\n").at(-1) ?? ""
  return JSON.parse(last) as T
}

interface ConsumerReport {
  resolved: string
  names: string[]
  inproc: string
  tcp: string
}

// Each consumer runs once; several tests look at its report.
let cjsRun: Promise<ConsumerReport> | null = null
let esmRun: Promise<ConsumerReport> | null = null
const cjsConsumer = (): Promise<ConsumerReport> => (cjsRun ??= runNode("pkg-require.cjs").then((r) => report<ConsumerReport>(r)))
const esmConsumer = (): Promise<ConsumerReport> => (esmRun ??= runNode("pkg-import.mjs").then((r) => report<ConsumerReport>(r)))

void test('require("zmq-ts") from a plain CommonJS process loads dist/cjs, and it works (inproc, tcp)', async () => {
  const r = await cjsConsumer()
  assert.equal(r.resolved, join(DIST, "cjs", "index.js"))
  assert.equal(r.inproc, "inproc-ok")
  assert.equal(r.tcp, "tcp-ok")
})

void test('import("zmq-ts") from a plain ES module loads dist/esm, and it works (inproc, tcp)', async () => {
  const r = await esmConsumer()
  assert.equal(r.resolved, pathToFileURL(join(DIST, "esm", "index.js")).href)
  assert.equal(r.inproc, "inproc-ok")
  assert.equal(r.tcp, "tcp-ok")
})

void test("the ESM and CJS builds export the same names: those of src/index.ts, every name zeromq.js exports among them", async (t) => {
  const [cjs, esm] = await Promise.all([cjsConsumer(), esmConsumer()])
  assert.deepEqual(esm.names, cjs.names, "ESM and CJS export names")
  const zeromqNames = Object.keys(zeromq).filter((n) => n !== "__esModule" && n !== "default")
  assert.ok(zeromqNames.length > 10)
  for (const name of zeromqNames) assert.ok(esm.names.includes(name), `zeromq.js exports ${name}; zmq-ts does too`)
  const fromSrc = Object.keys(src).sort()
  if (JSON.stringify(fromSrc) !== JSON.stringify(esm.names)) {
    // dist/ is not rebuilt when it exists; say so rather than fail on a stale build.
    t.diagnostic(`dist/ looks stale: src exports ${JSON.stringify(fromSrc)}, dist exports ${JSON.stringify(esm.names)}; run npm run build`)
  }
})

void test('require("zmq-ts") inside a worker_threads Worker: inproc within the worker, tcp between worker and main thread', async () => {
  const r = report<{ fromWorker: string; workerExit: number; workerResult: { inproc: string; reply: string; resolved: string } | null }>(
    await runNode("pkg-worker.cjs"),
  )
  assert.equal(r.fromWorker, "from worker: inproc inside the worker")
  assert.deepEqual(r.workerResult, { inproc: "inproc inside the worker", reply: "reply from main thread", resolved: join(DIST, "cjs", "index.js") })
  assert.equal(r.workerExit, 0)
})

// ---- files ------------------------------------------------------------------------------

void test(".d.ts files exist for both builds: beside every .js, and where package.json points", () => {
  for (const build of BUILDS) {
    const dir = join(DIST, build)
    const js = walk(dir).filter((f) => f.endsWith(".js"))
    assert.ok(js.length > 10, `dist/${build} holds the compiled modules`)
    for (const f of js) assert.ok(existsSync(f.replace(/\.js$/, ".d.ts")), `${relative(ROOT, f)} has a .d.ts`)
    const index = readFileSync(join(dir, "index.d.ts"), "utf8")
    for (const name of ["Push", "Pull", "Context", "Observer"]) assert.match(index, new RegExp(`\\b${name}\\b`), `dist/${build}/index.d.ts declares ${name}`)
    // Each build says which module system its .js files use.
    assert.deepEqual(readJson(join(dir, "package.json")), { type: build === "esm" ? "module" : "commonjs" })
  }
  const exp = pkg.exports?.["."] as { import: { types: string; default: string }; require: { types: string; default: string } }
  for (const target of [exp.import.types, exp.import.default, exp.require.types, exp.require.default, pkg.main, pkg.module, pkg.types]) {
    assert.ok(target !== undefined && existsSync(join(ROOT, target)), `${String(target)} exists`)
  }
  assert.match(exp.import.types, /^\.\/dist\/esm\/.*\.d\.ts$/)
  assert.match(exp.require.types, /^\.\/dist\/cjs\/.*\.d\.ts$/)
})

void test("package.json: no install scripts; tweetnacl is the only runtime dependency, and nothing is native", () => {
  for (const s of INSTALL_SCRIPTS) assert.equal(pkg.scripts?.[s], undefined, `no "${s}" script`)
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ["tweetnacl"])
  for (const key of ["optionalDependencies", "peerDependencies", "bundleDependencies", "bundledDependencies", "gypfile", "binary"] as const) {
    assert.equal(pkg[key], undefined, `no ${key}`)
  }
  assert.equal(existsSync(join(ROOT, "binding.gyp")), false, "no binding.gyp")

  // tweetnacl: plain JavaScript, no install scripts, no dependencies of its own.
  const naclDir = join(ROOT, "node_modules", "tweetnacl")
  const nacl = readJson<PackageJson>(join(naclDir, "package.json"))
  assert.equal(nacl.version, pkg.dependencies?.tweetnacl, "the installed tweetnacl is the pinned one")
  for (const s of INSTALL_SCRIPTS) assert.equal(nacl.scripts?.[s], undefined, `tweetnacl has no "${s}" script`)
  assert.deepEqual(Object.keys(nacl.dependencies ?? {}), [], "tweetnacl has no dependencies")
  assert.equal(nacl.gypfile, undefined)
  const naclFiles = walk(naclDir)
  assert.deepEqual(
    naclFiles.filter((f) => f.endsWith(".node") || f.endsWith("binding.gyp")),
    [],
    "tweetnacl ships no native code",
  )
  const lock = readJson<{ packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }> }>(join(ROOT, "package-lock.json"))
  assert.equal(lock.packages["node_modules/tweetnacl"]?.hasInstallScript, undefined)
  const runtime = Object.entries(lock.packages).filter(([path, p]) => path.startsWith("node_modules/") && p.dev !== true)
  assert.deepEqual(
    runtime.map(([path]) => path),
    ["node_modules/tweetnacl"],
    "the lockfile's runtime closure is tweetnacl alone",
  )
})

/** The package specifiers (not relative paths) a compiled module loads. */
function importedPackages(file: string): string[] {
  const code = readFileSync(file, "utf8")
  const out: string[] = []
  const patterns = [
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*(?:import|export)\s[^;]*?\bfrom\s+["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*import\s+["']([^"']+)["']/gm,
  ]
  for (const re of patterns) for (const m of code.matchAll(re)) if (!m[1]!.startsWith(".")) out.push(m[1]!)
  return out
}

void test("the compiled code loads nothing but Node built-ins and tweetnacl", () => {
  for (const build of BUILDS) {
    const used = new Set<string>()
    for (const f of walk(join(DIST, build)).filter((p) => p.endsWith(".js"))) for (const spec of importedPackages(f)) used.add(spec)
    assert.ok(used.has("tweetnacl") && used.has("node:net"), `the scan finds what dist/${build} loads: ${[...used].join(", ")}`)
    for (const spec of used) assert.ok(spec.startsWith("node:") || spec === "tweetnacl", `dist/${build} loads "${spec}"`)
  }
})

void test("the packed tarball holds both builds with their .d.ts, and no native code", () => {
  // --ignore-scripts: `npm pack` would otherwise run "prepare", which rebuilds dist/.
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" })
  assert.equal(r.status, 0, r.stderr)
  const [packed] = JSON.parse(r.stdout) as { files: { path: string }[] }[]
  const files = new Set(packed!.files.map((f) => f.path))
  for (const build of BUILDS) {
    for (const f of ["index.js", "index.d.ts", "package.json"]) assert.ok(files.has(`dist/${build}/${f}`), `the tarball has dist/${build}/${f}`)
  }
  assert.ok(files.has("package.json"))
  assert.deepEqual(
    [...files].filter((f) => f.endsWith(".node") || f.endsWith(".gyp")),
    [],
  )
  // Every module of either build is in the tarball.
  for (const build of BUILDS) {
    for (const f of walk(join(DIST, build))) {
      if (statSync(f).isFile() && f.endsWith(".js")) assert.ok(files.has(relative(ROOT, f)), `the tarball has ${relative(ROOT, f)}`)
    }
  }
})
