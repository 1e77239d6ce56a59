// Publish-subscribe with late joiners and a last-value cache (ZeroMQ guide,
// chapter 5 "lvcache"):
//
//   XPublisher --> SUB | cache | XPUB --> Subscribers (some join late)
//
// PUB/SUB has no history: a subscriber that joins after an update never sees
// it (and one that joins just before may miss the first messages while its
// subscription travels: the "slow joiner"). The cache sits in between: it
// subscribes to everything, keeps the last value per topic, and because its
// front socket is an XPublisher it *sees* each new subscription, and answers
// it at once with the cached value. New subscribers start with the current
// state, then get live updates.
//
// Run: node examples/pubsub-lvc/main.mjs   (after `npm run build`)
import { Subscriber, XPublisher } from "zmq-ts"

// The publisher is an XPublisher too, only so that it can wait for the
// cache's subscription instead of publishing into the void.
const publisher = new XPublisher()
await publisher.bind("tcp://127.0.0.1:*")

// ---- the cache -------------------------------------------------------------
const cacheIn = new Subscriber()
cacheIn.subscribe() // everything
cacheIn.connect(publisher.lastEndpoint)
// verbosity "allSubs": every subscription reaches us, not only the first per topic.
const cacheOut = new XPublisher({ verbosity: "allSubs" })
await cacheOut.bind("tcp://127.0.0.1:*")
const last = new Map() // topic -> last [topic, value]
let cachedFirstThree
const firstThree = new Promise((resolve) => (cachedFirstThree = resolve))
const updates = (async () => {
  let n = 0
  for await (const [topic, value] of cacheIn) {
    last.set(topic.toString(), [topic, value])
    if (++n === 3) cachedFirstThree()
    await cacheOut.send([topic, value])
  }
})()
const subscriptions = (async () => {
  for await (const [sub] of cacheOut) {
    // A subscription message is 1 then the topic (0 then the topic to unsubscribe).
    const cached = sub[0] === 1 ? last.get(sub.subarray(1).toString()) : undefined
    if (cached) await cacheOut.send(cached)
  }
})()

// ---- publishing ------------------------------------------------------------
await publisher.receive() // the cache's subscription has arrived: nothing is lost from here
for (const [topic, value] of [["EURUSD", "1.0841"], ["GBPUSD", "1.2710"], ["EURUSD", "1.0853"]]) {
  await publisher.send([topic, value])
}

// ---- a late joiner ---------------------------------------------------------
// It connects after every update above was published (and, so that the
// output is the same on every run, after the cache has stored them).
await firstThree
const late = new Subscriber()
late.subscribe("EURUSD")
late.connect(cacheOut.lastEndpoint)
const [t1, v1] = await late.receive()
console.log(`late joiner, at once from the cache: ${t1} ${v1}`)

await publisher.send(["GBPUSD", "1.2722"]) // another topic: not for this subscriber
await publisher.send(["EURUSD", "1.0860"])
const [t2, v2] = await late.receive()
console.log(`late joiner, live: ${t2} ${v2}`)

for (const s of [late, publisher, cacheIn, cacheOut]) s.close()
await Promise.all([updates, subscriptions])
console.log(`cache holds: ${[...last.values()].map(([t, v]) => `${t}=${v}`).sort().join(" ")}`)
