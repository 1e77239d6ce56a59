/**
 * Runs a snippet against one library in a child process, for the few cases
 * where zeromq.js crashes the process afterwards (it segfaults at exit after
 * a Context constructor threw), so the case cannot run in the test process.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { CaseContext } from "./harness.js"

const INDEX = fileURLToPath(new URL("../../src/index.ts", import.meta.url))

/** Several snippets in one child process: a record of what each returned or threw. */
export function attemptsInChild(t: CaseContext, snippets: Record<string, string>): unknown {
  const body = `
    const out = {}
    for (const [k, code] of Object.entries(${JSON.stringify(snippets)})) {
      try {
        const v = new Function("zmq", code)(zmq)
        out[k] = v === undefined ? { sync: "return" } : { sync: "return", value: v }
      } catch (e) {
        const error = { isError: e instanceof Error, isTypeError: e instanceof TypeError, isRangeError: e instanceof RangeError }
        if (e.code !== undefined) error.code = e.code
        if (e.errno !== undefined) error.errno = e.errno
        error.message = e.message
        out[k] = { sync: "throw", error }
      }
    }
    return out
  `
  return (attemptInChild(t, body) as { value?: unknown }).value
}

/** `body` is a function body with `zmq` in scope; what it returns (or throws) is reported like t.attempt(). */
export function attemptInChild(t: CaseContext, body: string): unknown {
  const spec = t.lib === "zeromq" ? "zeromq" : INDEX
  const script = `
    const zmq = await import(${JSON.stringify(spec)})
    let out
    try {
      const v = (() => { ${body} })()
      out = v === undefined ? { sync: "return" } : { sync: "return", value: v }
    } catch (e) {
      const error = { isError: e instanceof Error, isTypeError: e instanceof TypeError, isRangeError: e instanceof RangeError }
      if (e.code !== undefined) error.code = e.code
      if (e.errno !== undefined) error.errno = e.errno
      error.message = e.message
      out = { sync: "throw", error }
    }
    process.stdout.write(JSON.stringify(out))
    process.exit(0)
  `
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", cwd: fileURLToPath(new URL(".", import.meta.url)) })
  if (r.stdout === "") throw new Error(`child failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as unknown
}
