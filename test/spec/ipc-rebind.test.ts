/**
 * ipc:// paths as libzmq's ipc_listener handles them: a closing listener
 * removes its socket file at once, not when its lingering sessions end, so a
 * socket that binds the path meanwhile keeps its file. (Found under load: a
 * PULL reconnecting to a rebound path failed forever because the first
 * PUSH's late clean-up deleted the second one's file.)
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import { Pull, Push } from "../../src/index.js"
import { freshAddress, rawZmtpPeer } from "../helpers/transports.js"
import { scaled } from "../helpers/time.js"

void test("ipc: a path rebound while the old socket still lingers stays reachable after the old socket has finished closing", { timeout: scaled(10_000) }, async () => {
  const endpoint = freshAddress("ipc")
  const old = new Push({ linger: 300, sendHighWaterMark: 0 })
  const next = new Push({ linger: 0 })
  const pull = new Pull({ linger: 0, reconnectInterval: 20 })
  try {
    await old.bind(endpoint)
    // A peer that stops reading: what `old` sends cannot leave, so its session lingers.
    const peer = await rawZmtpPeer(endpoint, "PULL")
    peer.pause()
    const chunk = Buffer.alloc(64 * 1024)
    for (let i = 0; i < 64; i++) await old.send(chunk)
    const oldEnded = new Promise<void>((resolve) => old.events.on("end", () => resolve()))
    old.close()
    await next.bind(endpoint)
    peer.destroy()
    await oldEnded

    pull.connect(endpoint)
    await next.send("reached")
    assert.deepEqual((await pull.receive()).map(String), ["reached"])
  } finally {
    for (const s of [old, next, pull]) s.close()
  }
})
