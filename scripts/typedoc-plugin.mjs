// TypeDoc plugin for the API reference (typedoc.json "plugin").
//
// `export default zmq` in src/index.ts and src/v5-compat.ts is the module's
// own namespace object (zeromq.js is CommonJS, so `import zmq from "zeromq"`
// gets the whole module; zmq-ts mirrors that). TypeDoc would list every
// member a second time under `default`, undocumented copies of the named
// exports. This shows `default` as what it is, `typeof import("<entry>")`,
// and drops the copies, so each symbol is documented once, where it is
// exported by name.
import { Converter, ReflectionKind, ReflectionType, UnknownType } from "typedoc"

const ENTRIES = new Set(["zmq-ts", "zmq-ts/v5-compat"])

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project
    for (const mod of project.getChildrenByKind(ReflectionKind.Module)) {
      if (!ENTRIES.has(mod.name)) continue
      const def = mod.children?.find((c) => c.name === "default" && c.kindOf(ReflectionKind.Variable))
      if (def === undefined || !(def.type instanceof ReflectionType)) continue
      project.removeReflection(def.type.declaration)
      def.type = new UnknownType(`typeof import("${mod.name}")`)
    }
  })
}
