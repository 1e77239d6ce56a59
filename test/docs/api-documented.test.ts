/**
 * Every public symbol of the package's entry points (zmq-ts, zmq-ts/draft,
 * zmq-ts/util, zmq-ts/v5-compat: typedoc.json) carries a TSDoc comment, and
 * every {@link} in them resolves. TypeDoc's own validation runs on the same
 * configuration `npm run docs` renders, without rendering: what this test
 * accepts is what the site shows. Type errors are left to `npm run
 * typecheck` (skipErrorChecking), which keeps this to one conversion pass.
 */
import assert from "node:assert/strict"
import { fileURLToPath } from "node:url"
import { it } from "node:test"
import { Application, Logger, LogLevel } from "typedoc"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/** Keeps TypeDoc's messages instead of printing them. */
class CollectingLogger extends Logger {
  readonly messages: string[] = []
  override log(message: string, level: LogLevel): void {
    super.log(message, level)
    if (level >= LogLevel.Warn) this.messages.push(message)
  }
}

void it("every public class, method, option and event of the entry points is documented", { timeout: 120_000 }, async () => {
  const app = await Application.bootstrap({ options: `${ROOT}/typedoc.json`, skipErrorChecking: true, logLevel: "Warn" })
  const logger = new CollectingLogger()
  app.logger = logger
  const project = await app.convert()
  assert.ok(project, `TypeDoc could not convert the entry points:\n${logger.messages.join("\n")}`)
  app.validate(project)
  // The entry points export something: an empty project would pass vacuously.
  assert.ok(project.children !== undefined && project.children.length === 4, "four entry points")
  assert.deepEqual(logger.messages, [])
})
