/**
 * Our own example programs under examples/v6 (the patterns of zeromq.js's
 * examples: majordomo, queue, pub-sub, push-pull, req-rep, threaded-worker)
 * print the same on zeromq and on zmq-ts.
 */
import { exampleSuite } from "./examples-runner.js"

exampleSuite({
  title: "conformance: the v6 examples",
  folder: "v6",
  extension: ".mjs",
  modules: { ours: "zmq-ts", reference: "zeromq" },
  needs: ["esm/index.js", "cjs/index.js"],
  guardMs: 30_000,
})
