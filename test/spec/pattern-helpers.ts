/**
 * Helpers for the RFC 28 (request-reply) and RFC 29 (publish-subscribe) spec
 * tests, on top of test/helpers/transports.ts.
 *
 * Synchronisation is on events, messages or socket state, never on sleeps:
 *
 * - probe(): the slow-joiner problem. A PUB drops what it publishes before a
 *   subscription has arrived, and nothing tells the application when that
 *   is. The subscriber subscribes to a fresh probe topic after its real
 *   subscriptions; the publisher publishes on that topic until the first
 *   probe message arrives. Subscriptions travel in order on one connection,
 *   so by then every earlier (un)subscription has reached the publisher too.
 *   This is a readiness probe only: the test's own messages are sent once.
 * - Probe messages still in flight afterwards are skipped by receiveData()
 *   and receiveUntilEnd().
 * - until(): waits for a condition on socket state (e.g. `readable`), turn
 *   by turn of the event loop; bounded by the test's timeout.
 */
import assert from "node:assert/strict"
import { setImmediate as nextTurn } from "node:timers/promises"
import type { MessageLike } from "../../src/index.js"

export interface Publishing {
  send(message: MessageLike | MessageLike[]): Promise<void>
}

export interface Receiving {
  receive(): Promise<Buffer[]>
}

/** Every probe topic starts with this; no test topic does. */
export const PROBE_PREFIX = "~probe"
let probes = 0

/** A topic no one has used yet, to subscribe to just before probe(). */
export function probeTopic(): string {
  return `${PROBE_PREFIX}${process.pid}-${++probes}`
}

const isProbe = (msg: Buffer[]): boolean => msg.length === 2 && msg[0]!.toString().startsWith(PROBE_PREFIX) && msg[1]!.toString() === "probe"

/**
 * Publishes [topic, "probe"] until each subscriber in `subs` has received
 * one. The subscribers must already be subscribed to `topic` (or to a
 * prefix of it), and must not be sent anything else meanwhile.
 */
export async function probe(pub: Publishing, subs: readonly Receiving[], topic: string): Promise<void> {
  let waiting = subs.length
  let failed = false
  const arrivals = subs.map(async (sub) => {
    try {
      for (;;) {
        const msg = await sub.receive()
        if (isProbe(msg) && msg[0]!.toString() === topic) break
        // Probes of an earlier round may still be in flight; anything else is a bug.
        if (!isProbe(msg)) throw new Error(`a message arrived before the probe: ${show(msg)}`)
      }
    } catch (err) {
      failed = true
      throw err
    } finally {
      waiting--
    }
  })
  while (waiting > 0 && !failed) {
    await pub.send([topic, "probe"])
    await nextTurn()
  }
  await Promise.all(arrivals)
}

/** The next message that is not a probe. */
export async function receiveData(sub: Receiving): Promise<Buffer[]> {
  for (;;) {
    const msg = await sub.receive()
    if (!isProbe(msg)) return msg
  }
}

/** Messages up to (not including) [endTopic, "end"], probes skipped. */
export async function receiveUntilEnd(sub: Receiving, endTopic: string): Promise<Buffer[][]> {
  const got: Buffer[][] = []
  for (;;) {
    const msg = await receiveData(sub)
    if (msg.length === 2 && msg[0]!.toString() === endTopic && msg[1]!.toString() === "end") return got
    got.push(msg)
  }
}

/** The end marker receiveUntilEnd() stops at. */
export const endMarker = (topic: string): string[] => [topic, "end"]

/**
 * For a receiver whose queue may have overflowed (so that a single end
 * marker could be dropped too): publishes end markers, one per turn of the
 * event loop, while `sub` drains its queue, until one arrives. Returns the
 * messages received before the first end marker, probes skipped.
 */
export async function drainUntilEnd(pub: Publishing, sub: Receiving, endTopic: string): Promise<Buffer[][]> {
  let done = false
  const drained = receiveUntilEnd(sub, endTopic).finally(() => {
    done = true
  })
  while (!done) {
    await pub.send(endMarker(endTopic))
    await nextTurn()
  }
  return drained
}

/** Waits, turn by turn of the event loop, until `condition` holds. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await nextTurn()
}

/** Frames as strings. */
export const strings = (msg: readonly Buffer[]): string[] => msg.map((f) => f.toString())

/** Each message's frames as strings. */
export const allStrings = (msgs: readonly Buffer[][]): string[][] => msgs.map(strings)

/** Frames as short hex/text for assertion messages. */
export function show(msg: readonly Buffer[]): string {
  return `[${msg.map((f) => (f.length > 32 ? `<${f.length} bytes>` : JSON.stringify(f.toString("latin1")))).join(", ")}]`
}

/**
 * Asserts that `got` holds messages "<prefix><n>" with strictly increasing
 * n, starting at `first`: a subsequence of what was sent, in order, with
 * nothing duplicated. Returns the numbers.
 */
export function assertOrderedSubset(got: readonly Buffer[][], prefix: string, first: number | null, what: string): number[] {
  const nums = got.map((m) => {
    const label = m[0]!.toString()
    assert.ok(label.startsWith(prefix), `${what}: unexpected message ${show(m)}`)
    return Number(label.slice(prefix.length))
  })
  for (let i = 1; i < nums.length; i++) assert.ok(nums[i]! > nums[i - 1]!, `${what}: out of order or duplicated at ${i}: ${nums[i - 1]} then ${nums[i]}`)
  if (first !== null) assert.equal(nums[0], first, `${what}: the first message is the first one sent`)
  return nums
}

/**
 * The fair-queuing check used for every receiving type: `flooder` keeps its
 * queue to us non-empty for a long time (it sends `floodCount` messages,
 * waiting whenever the path is full), while each of the `others` sends a
 * few messages once. A fair-queuing receiver serves the others as soon as
 * their messages arrive, so every one of them is received before the
 * flooder's last message; a receiver that drained one peer at a time would
 * deliver them after it. `received` is the sequence of labels in order of
 * receipt: "<peer>:<n>".
 */
export function assertNotStarved(received: readonly string[], flooder: string, floodCount: number, others: readonly string[], perOther: number): void {
  const lastFlood = received.indexOf(`${flooder}:${floodCount - 1}`)
  assert.ok(lastFlood >= 0, `the flooder's last message was received`)
  assert.equal(received.length, floodCount + others.length * perOther, "every message was received, once")
  for (const peer of others) {
    for (let i = 0; i < perOther; i++) {
      const at = received.indexOf(`${peer}:${i}`)
      assert.ok(at >= 0, `${peer}:${i} was received`)
      assert.ok(at < lastFlood, `${peer}:${i} was received at position ${at}, before the flooder's last message at ${lastFlood}: no peer is starved`)
    }
  }
  // Each peer's own messages stay in the order it sent them.
  for (const peer of [flooder, ...others]) {
    const mine = received.filter((l) => l.startsWith(`${peer}:`)).map((l) => Number(l.slice(peer.length + 1)))
    assert.deepEqual(mine, [...mine].sort((a, b) => a - b), `${peer}'s messages arrive in the order sent`)
  }
}

/** Settles `p` without an unhandled rejection if nobody awaits it (e.g. a receive left pending at close). */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined)
  return p
}
