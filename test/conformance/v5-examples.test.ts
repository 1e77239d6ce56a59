/**
 * The ZeroMQ guide's v5 examples under examples/v5 print the same on
 * zeromq/v5-compat and on zmq-ts/v5-compat.
 */
import { exampleSuite } from "./examples-runner.js"

exampleSuite({
  title: "conformance v5: the guide's examples",
  folder: "v5",
  extension: ".cjs",
  modules: { ours: "zmq-ts/v5-compat", reference: "zeromq/v5-compat" },
  needs: ["cjs/v5-compat.js"],
  guardMs: 20_000,
})
