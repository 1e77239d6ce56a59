// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with .d.ts files,
// and dist/browser (one ES module for browsers, build-browser.mjs).
// Uses the TypeScript compiler API twice rather than two config files so the
// two outputs can never drift apart in their options.
import { spawnSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { createRequire } from "node:module"
import { buildBrowser } from "./build-browser.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const require = createRequire(import.meta.url)
let tsc
try {
  tsc = require.resolve("typescript/bin/tsc")
} catch {
  // Installed as a dependency without devDependencies: dist/ ships prebuilt.
  console.log("zmq-ts: typescript not installed, skipping build")
  process.exit(0)
}

rmSync(join(root, "dist"), { recursive: true, force: true })

function run(args) {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: root, stdio: "inherit" })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

run(["-p", "tsconfig.build.json"])
run(["-p", "tsconfig.build.json", "--module", "CommonJS", "--moduleResolution", "Node10", "--outDir", "dist/cjs", "--ignoreDeprecations", "6.0"])

for (const [dir, type] of [["esm", "module"], ["cjs", "commonjs"]]) {
  mkdirSync(join(root, "dist", dir), { recursive: true })
  writeFileSync(join(root, "dist", dir, "package.json"), JSON.stringify({ type }) + "\n")
}

// The browser bundle (dist/browser/), from the sources with Node's modules swapped out.
await buildBrowser()
