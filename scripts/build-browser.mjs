// Builds dist/browser/zmq-ts.mjs: the whole package as one ES module for
// browsers (the `browser` export condition, and <script type="module">
// without a bundler). esbuild bundles src/browser/entry.ts with the browser
// stand-ins of src/browser/ swapped in:
//  - node:* modules -> src/browser/node/*.ts (an unmapped one fails the build,
//    so that Node-only code cannot slip into the bundle unnoticed);
//  - src/transport/transport.ts -> src/browser/transport.ts (WebSocket, inproc);
//  - src/default-context.ts -> src/browser/default-context.ts (no worker_threads);
//  - the globals Buffer, process, setImmediate and the timers -> src/browser/globals.ts
//    (esbuild's inject: the page's globals are left alone).
// esbuild comes with tsx (a devDependency); the build is skipped without it,
// as build.mjs skips without typescript (dist/ then ships prebuilt).
import { createRequire } from "node:module"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const src = join(root, "src")
const require = createRequire(import.meta.url)

const NODE_MODULES = ["buffer", "crypto", "diagnostics_channel", "events", "fs", "net"]
const SWAPS = new Map([
  [join(src, "transport", "transport.js"), join(src, "browser", "transport.ts")],
  [join(src, "default-context.js"), join(src, "browser", "default-context.ts")],
])

const browserStandIns = {
  name: "zmq-ts-browser",
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => {
      const name = args.path.slice("node:".length)
      if (!NODE_MODULES.includes(name)) {
        return { errors: [{ text: `${args.path} (imported by ${args.importer}) has no browser stand-in in src/browser/node/` }] }
      }
      return { path: join(src, "browser", "node", `${name}.ts`) }
    })
    // tweetnacl asks for Node's crypto only where self.crypto is missing; ours serves randomBytes.
    build.onResolve({ filter: /^crypto$/ }, () => ({ path: join(src, "browser", "node", "crypto.ts") }))
    build.onResolve({ filter: /(transport|default-context)\.js$/ }, (args) => {
      const swap = SWAPS.get(resolve(args.resolveDir, args.path))
      return swap === undefined ? undefined : { path: swap }
    })
  },
}

/** Builds into `out` (dist/browser by default; the browser test builds into a directory of its own). */
export async function buildBrowser(out = join(root, "dist", "browser")) {
  let esbuild
  try {
    esbuild = require("esbuild")
  } catch {
    console.log("zmq-ts: esbuild not installed, skipping the browser build")
    return
  }
  mkdirSync(out, { recursive: true })
  const result = await esbuild.build({
    entryPoints: [join(src, "browser", "entry.ts")],
    outfile: join(out, "zmq-ts.mjs"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    keepNames: true,
    sourcemap: "linked",
    legalComments: "eof",
    inject: [join(src, "browser", "globals.ts")],
    plugins: [browserStandIns],
    metafile: true,
    logLevel: "warning",
  })
  // No node: import may survive (the plugin refuses unmapped ones; this checks the output too).
  const code = readFileSync(join(out, "zmq-ts.mjs"), "utf8")
  const leak = code.match(/["'`]node:[a-z_]+["'`]/)
  if (leak) throw new Error(`dist/browser/zmq-ts.mjs still names ${leak[0]}`)
  // zmq-ts/draft and zmq-ts/util in a browser: re-exports of the one bundle, so every class exists once.
  writeFileSync(
    join(out, "draft.mjs"),
    `export { Server, Client, Radio, Dish, Gather, Scatter, Peer, Channel, Datagram } from "./zmq-ts.mjs"\n` +
      `console.warn("ZeroMQ draft features are experimental and could change at any time.")\n`,
  )
  writeFileSync(join(out, "util.mjs"), `export { ZmqError, SocketType, z85Encode, z85Decode, SOCKET_OPTIONS } from "./zmq-ts.mjs"\n`)
  return result
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await buildBrowser()
  if (r) console.log(`dist/browser/zmq-ts.mjs: ${Object.keys(r.metafile.inputs).length} modules, ${r.metafile.outputs[Object.keys(r.metafile.outputs).find((k) => k.endsWith(".mjs"))].bytes} octets`)
}
