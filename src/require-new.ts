/**
 * zeromq.js's Context, Socket, Observer and Proxy are native classes: called
 * without `new` they throw "Class constructors cannot be invoked without
 * 'new'" (a JS class names itself in that message). The exported classes are
 * these thin wrappers; construction, subclassing and instanceof go straight
 * to the class.
 */
export function requireNew<T extends abstract new (...args: never[]) => unknown>(cls: T): T {
  return new Proxy(cls, {
    apply() {
      throw new TypeError("Class constructors cannot be invoked without 'new'")
    },
  })
}
