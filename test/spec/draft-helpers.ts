/**
 * Helpers for the draft-socket spec tests (RFC 41, 48, 49, PEER, CHANNEL):
 * waiting until a RADIO knows a DISH's groups, and a raw ZMTP peer whose
 * later bytes are collected and whose closing is observable.
 */
import type * as net from "node:net"
import type { Dish, Radio } from "../../src/draft.js"
import { rawZmtpPeer } from "../helpers/transports.js"

export const PROBE = "probe"
/** How often a probe is repeated while a JOIN is on its way (not a wait for an outcome: each probe is cheap, the loop ends on the receive). */
const PROBE_EVERY_MS = 5

/**
 * Resolves once `dish` has received a probe sent by `radio` to `group`, i.e.
 * the RADIO has applied the DISH's JOIN (RFC 48 has no acknowledgement; a
 * message reaching the DISH is the only sign). Later probes still in flight
 * are skipped by receiveData().
 */
export async function untilJoined(radio: Radio, dish: Dish, group: string): Promise<void> {
  let done = false
  const got = receiveData(dish, true).finally(() => (done = true))
  while (!done) {
    await radio.send(PROBE, { group })
    if (!done) await new Promise((r) => setTimeout(r, PROBE_EVERY_MS))
  }
  await got
}

/** The next message a DISH receives that is not a probe, as [body, group] strings (or a probe if `probe`). */
export async function receiveData(dish: Dish, probe = false): Promise<[string, string]> {
  for (;;) {
    const [body, { group }] = await dish.receive()
    if (probe || body.toString() !== PROBE) return [body.toString(), group.toString()]
  }
}

export interface CollectingPeer {
  stream: net.Socket
  /** Everything the peer received after the handshake. */
  bytes(): Buffer
  /** Resolves when at least `n` bytes have arrived after the handshake. */
  untilBytes(n: number): Promise<Buffer>
  /** Resolves when the other side has closed the connection. */
  closed: Promise<void>
}

/** A raw ZMTP 3.0 NULL peer announcing `socketType` (see rawZmtpPeer), collecting what it receives. */
export async function collectingPeer(endpoint: string, socketType: string): Promise<CollectingPeer> {
  const stream = await rawZmtpPeer(endpoint, socketType)
  const chunks: Buffer[] = []
  const waiters: (() => void)[] = []
  stream.on("data", (c: Buffer) => {
    chunks.push(c)
    for (const w of waiters.splice(0)) w()
  })
  const closed = new Promise<void>((resolve) => stream.once("close", () => resolve()))
  const bytes = (): Buffer => Buffer.concat(chunks)
  const untilBytes = async (n: number): Promise<Buffer> => {
    while (bytes().length < n) await new Promise<void>((r) => waiters.push(r))
    return bytes()
  }
  return { stream, bytes, untilBytes, closed }
}
