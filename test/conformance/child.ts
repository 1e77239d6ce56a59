/**
 * Runs a snippet against one library in a child process, for the few cases
 * where zeromq.js crashes the process afterwards (it segfaults at exit after
 * a Context constructor threw), so the case cannot run in the test process.
 */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import type { CaseContext } from "./harness.js"

const INDEX = fileURLToPath(new URL("../../src/index.ts", import.meta.url))

/**
 * The case timeout (conform's `timeout` option) for a case that starts child
 * processes: one per library, each loading tsx and a native addon, which took
 * over 20 s each on this shared machine.
 */
export const CHILD_CASE_TIMEOUT = 45_000

/** Several snippets in one child process: a record of what each returned or threw. */
export async function attemptsInChild(t: CaseContext, snippets: Record<string, string>): Promise<unknown> {
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
  return ((await attemptInChild(t, body)) as { value?: unknown }).value
}

/**
 * `body` is a function body with `zmq` in scope; what it returns (or throws)
 * is reported like t.attempt(). The child runs asynchronously: spawnSync
 * blocked this process's event loop for as long as the child took (over a
 * minute under test:stress), so the case's own timeout could not fire and
 * the next cases' timers fired late, failing cases that had done nothing.
 */
export async function attemptInChild(t: CaseContext, body: string): Promise<unknown> {
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
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: fileURLToPath(new URL(".", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c))
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c))
  await once(child, "close")
  if (stdout === "") throw new Error(`child failed: ${stderr}`)
  return JSON.parse(stdout) as unknown
}
