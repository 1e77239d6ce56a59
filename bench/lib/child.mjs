// Parent-side handle on one worker process (bench/worker.mjs).
//
// A WorkerProcess forks the worker for one implementation, sends it commands and
// waits for its events with timeouts. Any failure (an "error" event, an early
// exit, a timeout) rejects the pending and all later waits with a BenchError
// that carries the tail of the worker's output.
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"

const WORKER = fileURLToPath(new URL("../worker.mjs", import.meta.url))
/** How long a worker may take to exit after it closed its sockets. */
const EXIT_TIMEOUT_MS = 5_000
const OUTPUT_TAIL = 4_000

/** Every worker still running, so that the harness can kill them on exit or Ctrl-C. */
const live = new Set()

export function killAllWorkers() {
  for (const w of live) w.kill()
}

/** A failed measurement; `unsupported` marks "not implemented yet" (reported as n/a). */
export class BenchError extends Error {
  constructor(message, { unsupported = false, detail } = {}) {
    super(message)
    this.name = "BenchError"
    this.unsupported = unsupported
    this.detail = detail
  }
}

export class WorkerProcess {
  /**
   * @param {string} impl "zmq-ts" or "zeromq"
   * @param {{ timeoutMs: number, verbose?: boolean, label?: string }} options
   */
  constructor(impl, { timeoutMs, verbose = false, label = "worker" }) {
    this.impl = impl
    this.label = `${label} (${impl})`
    this.timeoutMs = timeoutMs
    this.queue = [] // events received and not yet consumed
    this.waiters = [] // pending expect() calls
    this.failure = null // first BenchError; every later expect() rejects with it
    this.output = ""
    this.exitInfo = null

    this.child = fork(WORKER, [impl], { stdio: ["ignore", "pipe", "pipe", "ipc"] })
    live.add(this)
    const capture = (chunk) => {
      this.output = (this.output + chunk).slice(-OUTPUT_TAIL)
      if (verbose) process.stderr.write(`[${this.label}] ${chunk}`)
    }
    this.child.stdout.setEncoding("utf8").on("data", capture)
    this.child.stderr.setEncoding("utf8").on("data", capture)
    this.child.on("message", (msg) => this.#onMessage(msg))
    // "exit" can be emitted before the last IPC messages are read, so a worker
    // counts as gone only once its IPC channel is closed as well.
    const disconnected = new Promise((resolve) => this.child.once("disconnect", resolve))
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        live.delete(this)
        this.exitInfo = { code, signal }
        resolve(this.exitInfo)
      })
    })
    void Promise.all([this.exited, disconnected]).then(([{ code, signal }]) => {
      this.#fail(new BenchError(`${this.label} exited (${signal ?? `code ${code}`}) unexpectedly${this.#tail()}`))
    })
    this.child.on("error", (err) => this.#fail(new BenchError(`${this.label}: ${err.message}`)))
  }

  #tail() {
    const out = this.output.trim()
    return out ? `\n--- worker output ---\n${out}` : ""
  }

  #onMessage(msg) {
    if (msg.ev === "error") {
      const detail = msg.stack && msg.stack.includes(msg.message) ? msg.stack : msg.message
      this.#fail(new BenchError(msg.message, { unsupported: msg.unsupported, detail }))
      return
    }
    const i = this.waiters.findIndex((w) => w.ev === msg.ev)
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1)
      clearTimeout(w.timer)
      w.resolve(msg)
    } else {
      this.queue.push(msg)
    }
  }

  #fail(err) {
    if (this.failure) return
    this.failure = err
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer)
      w.reject(err)
    }
  }

  /** Sends a command to the worker (ignored if it is already gone). */
  post(cmd, data = {}) {
    if (!this.child.connected) return
    // With a callback, a worker that just went away yields an ignored error here
    // instead of an "error" event; its exit is reported by expect()/finish().
    this.child.send({ cmd, ...data }, () => {})
  }

  /** Starts a role in the worker (see roles/index.mjs). */
  start(role, params) {
    this.post("run", { role, params })
  }

  /** Resolves with the next event named `ev`; rejects on failure or after the timeout. */
  expect(ev, timeoutMs = this.timeoutMs) {
    const i = this.queue.findIndex((m) => m.ev === ev)
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0])
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer)
        const err = new BenchError(`${this.label}: timed out after ${timeoutMs / 1000} s waiting for "${ev}"${this.#tail()}`)
        reject(err)
        this.kill()
      }, timeoutMs)
      this.waiters.push({ ev, resolve, reject, timer })
    })
  }

  /**
   * Waits for the worker to finish after its role returned: the "done" event,
   * then a clean process exit. Returns a warning string if the process did not
   * exit on its own in time (a leaked handle), in which case it is killed.
   */
  async finish() {
    const { result } = await this.expect("done")
    const timeout = new Promise((resolve) => setTimeout(resolve, EXIT_TIMEOUT_MS, null).unref())
    const exit = await Promise.race([this.exited, timeout])
    if (!exit) {
      this.kill()
      return { result, warning: `${this.label} did not exit within ${EXIT_TIMEOUT_MS / 1000} s after closing its sockets (leaked handle?)` }
    }
    if (exit.code !== 0) throw new BenchError(`${this.label} exited with ${exit.signal ?? `code ${exit.code}`}${this.#tail()}`)
    return { result, warning: null }
  }

  kill() {
    if (this.exitInfo === null) this.child.kill("SIGKILL")
  }
}
