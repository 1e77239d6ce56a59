// The two implementations under comparison and how a worker loads them.
//
// "zmq-ts" is this package, imported through its own name (package
// self-reference via the "exports" map, so it resolves to dist/esm/index.js).
// The hidden environment variable BENCH_ZMQTS_MODULE substitutes another module
// for the zmq-ts side, e.g. BENCH_ZMQTS_MODULE=zeromq to validate the harness
// with libzmq on both sides, or a path such as ./dist/esm/index.js.
import { isAbsolute, resolve } from "node:path"
import { pathToFileURL } from "node:url"

export const IMPLS = ["zmq-ts", "zeromq"]

/** An error meaning "this implementation cannot do this yet": reported as n/a, not as a failure. */
export class UnsupportedError extends Error {
  constructor(message) {
    super(message)
    this.name = "UnsupportedError"
    this.unsupported = true
  }
}

/** The module specifier a worker imports for an implementation name. */
export function moduleSpecifier(impl) {
  if (impl === "zeromq") return "zeromq"
  if (impl === "zmq-ts") return process.env.BENCH_ZMQTS_MODULE || "zmq-ts"
  throw new Error(`unknown implementation "${impl}" (expected one of ${IMPLS.join(", ")})`)
}

/** Imports an implementation and returns an object holding its exported socket classes. */
export async function loadImplementation(impl) {
  const spec = moduleSpecifier(impl)
  const target = spec.startsWith(".") || isAbsolute(spec) ? pathToFileURL(resolve(spec)).href : spec
  let mod
  try {
    mod = await import(target)
  } catch (err) {
    // The package not being built yet is an expected state, not a benchmark failure.
    if (err && (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "ERR_PACKAGE_PATH_NOT_EXPORTED")) {
      throw new UnsupportedError(`cannot import "${spec}" (${err.code}); for zmq-ts run \`npm run build\` first`)
    }
    throw err
  }
  // CommonJS modules imported from ESM may only expose their exports on `default`.
  if (typeof mod.Push !== "function" && mod.default && typeof mod.default === "object") {
    return { ...mod.default, ...mod }
  }
  return mod
}

/** Returns the socket class `name` ("Push", "Request", ...) or throws UnsupportedError. */
export function socketClass(zmq, name) {
  const cls = zmq[name]
  if (typeof cls !== "function") throw new UnsupportedError(`socket type ${name} is not implemented`)
  return cls
}

/** Whether an error thrown by an implementation means "not implemented / not supported". */
export function isUnsupportedError(err) {
  if (!err) return false
  if (err.unsupported === true) return true
  if (err.code === "EPROTONOSUPPORT" || err.code === "ENOTSUP") return true
  return /not (yet )?(implemented|supported)|unsupported/i.test(String(err.message ?? err))
}

/**
 * Imports an implementation's draft entry (`zeromq/draft`, `zmq-ts/draft`, or
 * draft.js beside a BENCH_ZMQTS_MODULE path) and returns its socket classes.
 * Only the draft scenarios call it: loading it prints a process warning.
 */
export async function loadDraftImplementation(impl) {
  const spec = moduleSpecifier(impl)
  const local = spec.startsWith(".") || isAbsolute(spec)
  // zeromq has no exports map, so ESM needs the file name; zmq-ts maps "./draft".
  const target = local ? pathToFileURL(resolve(spec.replace(/index\.js$/, "draft.js"))).href : spec === "zeromq" ? "zeromq/draft.js" : `${spec}/draft`
  let mod
  try {
    mod = await import(target)
  } catch (err) {
    if (err && (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "ERR_PACKAGE_PATH_NOT_EXPORTED")) {
      throw new UnsupportedError(`cannot import "${target}" (${err.code}); for zmq-ts run \`npm run build\` first`)
    }
    throw err
  }
  return typeof mod.Server !== "function" && mod.default && typeof mod.default === "object" ? { ...mod.default, ...mod } : mod
}
