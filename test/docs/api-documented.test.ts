/**
 * Every public symbol of the package's entry points (zmq-ts, zmq-ts/draft,
 * zmq-ts/util, zmq-ts/v5-compat: typedoc.json), constructors included,
 * carries a TSDoc comment, and
 * every {@link} in them resolves. This runs TypeDoc's own validation on the
 * configuration `npm run docs` renders, without rendering, so what passes
 * here is what the site shows. Type errors are left to `npm run typecheck`
 * (skipErrorChecking), which keeps this to one conversion pass.
 *
 * typedoc.json's "intentionallyNotDocumented" lists the members of inline
 * object types (`capability`'s flags, the fields of each `Event` variant,
 * `curveKeyPair()`'s result...): TSDoc cannot attach a comment to them
 * without rewriting the type, so each is described in its parent's comment.
 */
import assert from "node:assert/strict"
import { fileURLToPath } from "node:url"
import { it } from "node:test"
import { Application, DeclarationReflection, Logger, LogLevel, ReflectionKind } from "typedoc"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/** Keeps TypeDoc's warnings and errors instead of printing them. */
class CollectingLogger extends Logger {
  readonly messages: string[] = []
  override log(message: string, level: LogLevel): void {
    super.log(message, level)
    if (level >= LogLevel.Warn) this.messages.push(message)
  }
}

void it("every public class, method, option and event of the entry points is documented", { timeout: 180_000 }, async () => {
  const app = await Application.bootstrapWithPlugins({
    options: `${ROOT}/typedoc.json`,
    skipErrorChecking: true,
    logLevel: "Warn",
    // Forced here, whatever typedoc.json says, so the check cannot be switched off there.
    validation: { notDocumented: true, invalidLink: true, notExported: false },
    requiredToBeDocumented: ["Enum", "EnumMember", "Variable", "Function", "Class", "Interface", "Property", "Method", "Accessor", "TypeAlias", "Constructor"],
  })
  const logger = new CollectingLogger()
  app.logger = logger
  const project = await app.convert()
  assert.ok(project, `TypeDoc could not convert the entry points:\n${logger.messages.join("\n")}`)
  app.validate(project)
  assert.deepEqual(logger.messages, [])

  // Not vacuous: the four entry points are there, with their classes and members.
  const modules = project.getChildrenByKind(ReflectionKind.Module).map((m) => m.name).sort()
  assert.deepEqual(modules, ["zmq-ts", "zmq-ts/draft", "zmq-ts/util", "zmq-ts/v5-compat"])
  const push = project.getChildByName(["zmq-ts", "Push"])
  assert.ok(push?.kindOf(ReflectionKind.Class), "zmq-ts Push is a class")
  const hwm = project.getChildByName(["zmq-ts", "Push", "sendHighWaterMark"])
  assert.ok(hwm?.hasComment(), "Push.sendHighWaterMark carries its (inherited) comment")
  const socket = project.getChildByName(["zmq-ts", "Socket"])
  assert.ok(socket instanceof DeclarationReflection && (socket.children?.length ?? 0) > 60, "Socket documents its options and methods")
})
