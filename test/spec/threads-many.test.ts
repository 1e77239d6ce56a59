/**
 * Many worker threads on one ROUTER in the main thread over inproc. Worker
 * threads start slowly on a small machine, so npm test runs
 * ZMQ_TS_THREADS_WORKERS workers (default 12); `npm run test:threads-100`
 * runs 100 (see docs/performance.md for the time it takes).
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { Worker } from "node:worker_threads"
import { Router } from "../../src/index.js"
import { uniqueInproc } from "../helpers/threads.js"
import { scaled } from "../helpers/time.js"
import { transpiledLibrary } from "../helpers/transpile.js"

const COUNT = Number(process.env.ZMQ_TS_THREADS_WORKERS ?? 12)
const ENTRY = new URL("../fixtures/router-client.mjs", import.meta.url)

/** Guard for the workers' start and replies; scaled, as workers start several times slower on a saturated machine. */
const LIMIT_MS = scaled(30_000 + COUNT * 2_000)
/** The runner's guard also covers transpiling the library, synchronous and CPU-bound (seen past 10 s under test:stress). */
const RUNNER_LIMIT_MS = LIMIT_MS + scaled(30_000)

void test(`threads: ${COUNT} workers connect DEALERs to one ROUTER in the main thread; each request is answered to its sender`, { timeout: RUNNER_LIMIT_MS }, async (t) => {
  const started = Date.now()
  const lib = transpiledLibrary()
  t.after(lib.remove)
  const ep = uniqueInproc()
  const router = new Router({ linger: 0 })
  await router.bind(ep)
  const workers: Worker[] = []
  const exits: Promise<number>[] = []
  const replies = new Map<number, string>()
  let allReplied: () => void = () => undefined
  const replied = new Promise<void>((resolve) => (allReplied = resolve))
  let exited = 0
  let timer: NodeJS.Timeout | undefined
  const failed = new Promise<never>((_, reject) => {
    // Says how far it got, where the runner's timeout would not.
    timer = setTimeout(() => reject(new Error(`after ${LIMIT_MS} ms: ${replies.size}/${COUNT} replied, ${exited} exited`)), LIMIT_MS)
    for (let i = 0; i < COUNT; i++) {
      // A small heap each: 100 threads share the machine.
      const w = new Worker(ENTRY, {
        workerData: { lib: lib.url, endpoint: ep, index: i },
        resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
      })
      workers.push(w)
      exits.push(
        new Promise((resolve) =>
          w.once("exit", (code: number) => {
            exited++
            resolve(code)
          }),
        ),
      )
      w.once("error", reject)
      w.on("message", (m: { index: number; reply: string }) => {
        replies.set(m.index, m.reply)
        if (replies.size === COUNT) allReplied()
      })
    }
  })
  // Either may settle after the test is decided; the race below reports them.
  failed.catch(() => undefined)
  try {
    const serve = (async () => {
      for (let n = 0; n < COUNT; n++) {
        const [id, body] = await router.receive()
        assert.equal(String(body), `req ${String(id).slice(1)}`, "the routing id is the sender's")
        await router.send([id!, `re ${String(body)}`])
      }
    })()
    serve.catch(() => undefined)
    await Promise.race([Promise.all([serve, replied]), failed])
    for (let i = 0; i < COUNT; i++) assert.equal(replies.get(i), `re req ${i}`)
    for (const w of workers) w.postMessage("bye")
    const codes = await Promise.race([Promise.all(exits), failed])
    assert.deepEqual(new Set(codes), new Set([0]), "every worker ended by itself")
  } finally {
    clearTimeout(timer)
    await Promise.all(workers.map((w) => w.terminate()))
    router.close()
  }
  t.diagnostic(`${COUNT} workers in ${((Date.now() - started) / 1000).toFixed(1)} s`)
})
