/**
 * zeromq.js's sockets and contexts are sealed and show no own properties:
 * our internal fields become non-enumerable (the same for every instance of
 * a class, so property access stays monomorphic), then the object is sealed.
 */
export function hideAndSeal(obj: object): void {
  for (const key of Object.keys(obj)) Object.defineProperty(obj, key, { enumerable: false })
  Object.seal(obj)
}
