// Loads the ZeroMQ library the demo runs on. By default that is zmq-ts itself
// (this package, imported by its own name through the "exports" map, so it
// must have been built: `npm run build`, which `npm ci` also runs).
//
// DEMO_ZMQ_MODULE=zeromq runs the very same demo on the native `zeromq`
// package (a devDependency) instead: the two share one API. Forked children
// inherit the environment, so every process uses the same library.

export const moduleName = process.env.DEMO_ZMQ_MODULE || "zmq-ts"

let mod
try {
  mod = await import(moduleName)
} catch (err) {
  if (err?.code === "ERR_MODULE_NOT_FOUND" || err?.code === "MODULE_NOT_FOUND") {
    const hint =
      moduleName === "zmq-ts"
        ? "zmq-ts is not built yet: run `npm run build` (or `npm ci`) first."
        : `is "${moduleName}" installed? (DEMO_ZMQ_MODULE accepts "zmq-ts" or "zeromq")`
    console.error(`pipeline demo: cannot load "${moduleName}": ${hint}`)
    console.error(String(err?.message ?? err))
    process.exit(1)
  }
  throw err
}

/** The library's namespace: Push, Pull, version, ... */
export const zmq = mod

/** Module name and its `version` export, for the banner. */
export function describeLibrary() {
  return `${moduleName} (version ${zmq.version ?? "?"})`
}
