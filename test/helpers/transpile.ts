/**
 * The library's sources transpiled to JavaScript once, for worker threads
 * that cannot afford to load TypeScript each (a worker registering tsx spends
 * about a CPU-second compiling). Written under the repository's ignored tmp/
 * directory so that the package's own dependencies resolve from there.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import ts from "typescript"

const ROOT = fileURLToPath(new URL("../../", import.meta.url))

function sources(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) sources(p, out)
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p)
  }
  return out
}

/** Transpiles src/ into a fresh directory; returns the URL of its index.js and a cleanup. */
export function transpiledLibrary(): { url: string; remove: () => void } {
  const out = join(ROOT, "tmp", `transpiled-${process.pid}-${Date.now()}`)
  for (const file of sources(join(ROOT, "src"), [])) {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, esModuleInterop: true },
      fileName: file,
    })
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, ".js")
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, outputText)
  }
  // The sources are ES modules, as in the package.
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n')
  return { url: pathToFileURL(join(out, "src", "index.js")).href, remove: () => rmSync(out, { recursive: true, force: true }) }
}
