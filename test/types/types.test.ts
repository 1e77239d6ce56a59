/**
 * Type-level conformance: small programs written against zeromq.js's API
 * (test/types/programs) must type-check against zeromq's own declarations
 * and against the declarations zmq-ts publishes, with no skipLibCheck.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { after, describe, it } from "node:test"
import { scaled } from "../helpers/time.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const here = join(root, "test", "types")
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
const PROGRAMS = ["sockets.ts", "io.ts", "subclass.ts"].map((f) => join(here, "programs", f))

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: "utf8" })
  return { status: r.status, output: r.stdout + r.stderr }
}

void describe("types: programs written for zeromq.js", () => {
  const dir = mkdtempSync(join(tmpdir(), "zmq-ts-types-"))
  after(() => rmSync(dir, { recursive: true, force: true }))

  void it("type-check against zeromq's declarations", { timeout: scaled(120_000) }, () => {
    const r = run(["-p", join(here, "tsconfig.zeromq.json")])
    assert.equal(r.status, 0, r.output)
  })

  void it("type-check against zmq-ts's published declarations", { timeout: scaled(240_000) }, () => {
    const decl = join(dir, "decl")
    const built = run(["-p", "tsconfig.build.json", "--emitDeclarationOnly", "--outDir", decl])
    assert.equal(built.status, 0, built.output)
    const config = join(dir, "tsconfig.json")
    writeFileSync(config, JSON.stringify({
      extends: join(here, "tsconfig.zeromq.json"),
      compilerOptions: { paths: { "zmq-lib": [join(decl, "index.d.ts")] }, typeRoots: [join(root, "node_modules", "@types")] },
      files: PROGRAMS,
    }))
    const r = run(["-p", config])
    assert.equal(r.status, 0, r.output)
  })
})
