#!/usr/bin/env node
/**
 * `zmq-ts`: ZeroMQ from the command line. Exit codes: 0 done, 1 runtime
 * error (one line on stderr), 2 usage error.
 *
 * No top-level await and no import.meta: the same file is built as CommonJS
 * too (dist/cjs), and package.json's "bin" may point at either.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs"
import { dirname, join } from "node:path"
import { curveKeyPair, version as libzmqVersion } from "../index.js"
import { runBench } from "./bench.js"
import { HELP } from "./help.js"
import { runMonitor } from "./monitor.js"
import { runRecv, runRep, runReq, runSend } from "./messaging.js"
import { parse, UsageError } from "./options.js"
import { runProxy } from "./proxy.js"

/**
 * This package's version, from the nearest package.json named zmq-ts above
 * the script (src/cli or dist/{esm,cjs}/cli), found through the
 * node_modules/.bin symlink npm makes.
 */
function packageVersion(): string {
  let dir = dirname(realpathSync(process.argv[1] ?? "."))
  for (let i = 0; i < 6; i++) {
    const p = join(dir, "package.json")
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: string; version?: string }
      if (pkg.name === "zmq-ts" && pkg.version !== undefined) return pkg.version
    }
    dir = dirname(dir)
  }
  return "unknown"
}

function keygen(argv: string[]): void {
  const { values, positionals } = parse(argv, { help: { type: "boolean", short: "h" }, json: { type: "boolean" } })
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
  const pair = curveKeyPair()
  if (values.json === true) process.stdout.write(JSON.stringify(pair) + "\n")
  else process.stdout.write(`public: ${pair.publicKey}\nsecret: ${pair.secretKey}\n`)
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void> | void> = {
  send: (a) => runSend(a, "send"),
  recv: (a) => runRecv(a, "recv"),
  req: runReq,
  rep: runRep,
  pub: (a) => runSend(a, "pub"),
  sub: (a) => runRecv(a, "sub"),
  proxy: runProxy,
  monitor: runMonitor,
  bench: runBench,
  keygen,
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" ? rest[0] : undefined
    process.stdout.write((topic !== undefined && HELP[topic] !== undefined ? HELP[topic] : HELP[""]) + "\n")
    return command === undefined ? 2 : 0
  }
  if (command === "--version" || command === "-V") {
    process.stdout.write(`zmq-ts ${packageVersion()} (ZMTP 3.1, libzmq ${libzmqVersion} compatible)\n`)
    return 0
  }
  const run = COMMANDS[command]
  if (run === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`)
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(HELP[command] + "\n")
    return 0
  }
  await run(rest)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    const usage = err instanceof UsageError
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`zmq-ts: ${message}${usage ? " (see --help)" : ""}\n`)
    // Exit now: a socket still retrying a connection would keep the process alive.
    process.exit(usage ? 2 : 1)
  },
)
