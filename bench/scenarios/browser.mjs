// PUSH in a headless Chromium page (zmq-ts's browser build,
// dist/browser/zmq-ts.mjs) -> PULL in a Node process, over ws on loopback:
// messages per second from page to Node. The page is the same for both
// columns; the column names the Node side's library (zmq-ts or zeromq).
//
// One run: fork the receiver (PULL, binds ws://127.0.0.1:*); the page
// connects, sends WARMUP and an untimed stream (test/browser/page.mjs
// pushOpen); once the receiver reports "warm" the page sends the timed stream
// (pushStream). Chromium is started at the first run and closed when the
// harness exits (test/browser/harness.mjs); without it (`apt-get install
// chromium`, or ZMQ_TS_CHROMIUM) the rows are n/a.
import { existsSync } from "node:fs"
import { BenchError } from "../lib/child.mjs"
import { UnsupportedError } from "../lib/impl.mjs"
import { bindEndpoint, closeWorkers, throughputCount, warmupCount, KiB, MiB } from "./common.mjs"
import { throughputResult } from "./push-pull.mjs"

/** Under 64 KiB: Chromium may fragment larger messages, which libzmq's ws engine does not reassemble. */
const SIZES = [16, 256, 4 * KiB, 60 * KiB]
/**
 * Chromium's WebSocket is the bottleneck (on the 2-core CI machine, under
 * load, a page's bare ws.send() loop managed ~3.5k 17-octet and ~220
 * 60 KiB messages/s): small budgets, so that a run takes a few seconds.
 */
const BUDGET = { bytes: 32 * MiB, minCount: 500, maxCount: 20_000, quickFactor: 0.1 }
/** Untimed messages first (V8's JIT in the page and in Node), fewer than push-pull's. */
const MAX_WARM = 2_000

/** The browser, opened at the first run and reused; closed when the harness exits. */
function browserHolder() {
  let opening = null
  return {
    get() {
      opening ??= import("../../test/browser/harness.mjs").then(async ({ openBrowserPage }) => {
        const page = await openBrowserPage()
        process.once("beforeExit", () => void page.close())
        return page
      })
      return opening
    },
  }
}

export function browserPushPull() {
  const browser = browserHolder()
  return {
    id: "browser/ws",
    name: "browser",
    transport: "ws",
    kind: "throughput",
    title: "PUSH in headless Chromium (zmq-ts browser build) -> PULL in Node over ws; columns name the Node side",
    notes: ["The sender is the same zmq-ts page in both columns. Sizes stay under 64 KiB: Chromium may fragment larger messages, which libzmq's ws engine does not reassemble."],
    requires: ["Push", "Pull"],

    cases(opts) {
      return SIZES.map((size) => ({ size, count: throughputCount(size, BUDGET, opts), warm: Math.min(MAX_WARM, warmupCount(size, opts)) }))
    },

    async run(impl, { size, count, warm }, ctx) {
      const chromium = process.env.ZMQ_TS_CHROMIUM ?? "/usr/bin/chromium"
      if (!existsSync(chromium)) throw new UnsupportedError(`no Chromium at ${chromium} (apt-get install chromium, or set ZMQ_TS_CHROMIUM)`)
      const page = await browser.get()
      const receiver = ctx.spawn(impl, "receiver")
      receiver.start("pull-receiver", { endpoint: bindEndpoint("ws", ctx), size })
      const { endpoint } = await receiver.expect("ready")
      try {
        await Promise.all([page.run("pushOpen", endpoint, size, warm), receiver.expect("warm")])
        const sent = await page.run("pushStream", endpoint, count, size)
        const recv = await receiver.expect("result")
        await closeWorkers(ctx, receiver)
        return throughputResult(recv, sent.sent, size, sent.seconds)
      } catch (err) {
        throw new BenchError(`${err.message}\npage console:\n${page.logs.join("\n")}`)
      } finally {
        await page.run("pushClose", endpoint)
      }
    },
  }
}
