// Headless Chromium with zmq-ts's browser build, for test/browser and the
// browser bench: builds dist/browser's bundle into a directory of its own
// (a concurrent `npm run build` removes dist/), serves it and this
// directory's page.mjs from a loopback HTTP server, and opens a blank page
// from there, where `import("/zmq-ts.mjs")` works as in any application.
//
// Chromium is Debian's (`apt-get install chromium`, done by .ci/run),
// driven by playwright-core; ZMQ_TS_CHROMIUM names another binary.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import { buildBrowser } from "../../scripts/build-browser.mjs"

const here = dirname(fileURLToPath(import.meta.url))
export const CHROMIUM = process.env.ZMQ_TS_CHROMIUM ?? "/usr/bin/chromium"

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

/**
 * Starts everything; `close()` undoes it. The page logs its console to
 * `logs` (shown when a test fails). `trustSpki` (base64 SHA-256 hashes of
 * public keys) makes Chromium accept certificates with those keys only,
 * for wss:// tests with a self-signed certificate; every other certificate
 * is still checked.
 */
export async function openBrowserPage({ trustSpki = [] } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set ZMQ_TS_CHROMIUM`)
  }
  const dir = mkdtempSync(join(tmpdir(), "zmq-ts-browser-"))
  const bundleDir = join(dir, "bundle")
  const built = await buildBrowser(bundleDir)
  if (!built) throw new Error("esbuild is missing: the browser bundle cannot be built")
  const files = {
    "/zmq-ts.mjs": join(bundleDir, "zmq-ts.mjs"),
    "/page.mjs": join(here, "page.mjs"),
  }
  const http = createServer((req, res) => {
    const file = files[req.url ?? ""]
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" })
      res.end("<!doctype html><title>zmq-ts</title>")
    } else if (req.url === "/favicon.ico") {
      res.writeHead(204)
      res.end()
    } else if (file !== undefined) {
      res.writeHead(200, { "content-type": "text/javascript" })
      res.end(readFileSync(file))
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${http.address().port}`
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: trustSpki.length > 0 ? [...FLAGS, `--ignore-certificate-errors-spki-list=${trustSpki.join(",")}`] : FLAGS,
  })
  const logs = []
  const page = context.pages()[0] ?? (await context.newPage())
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`))
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`))
  await page.goto(`${origin}/`)
  return {
    page,
    origin,
    logs,
    /** Runs page.mjs's export `name` in the page with `args`; resolves with its result. */
    run: (name, ...args) => page.evaluate(([n, a]) => import("/page.mjs").then((m) => m[n](...a)), [name, args]),
    async close() {
      await context.close()
      await new Promise((resolve) => http.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
