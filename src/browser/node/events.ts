/**
 * node:events for the browser build: the EventEmitter subset zmq-ts and
 * zeromq.js-style code use (on/once/off/emit and friends). An 'error' with
 * no listener throws, as in Node.
 */
type Listener = (...args: unknown[]) => void

export class EventEmitter {
  private readonly listeners = new Map<string | symbol, Listener[]>()

  on(event: string | symbol, listener: Listener): this {
    const list = this.listeners.get(event)
    if (list) list.push(listener)
    else this.listeners.set(event, [listener])
    return this
  }

  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener)
  }

  prependListener(event: string | symbol, listener: Listener): this {
    this.listeners.set(event, [listener, ...(this.listeners.get(event) ?? [])])
    return this
  }

  once(event: string | symbol, listener: Listener): this {
    const wrapped = (...args: unknown[]): void => {
      this.off(event, wrapped)
      listener(...args)
    }
    ;(wrapped as { listener?: Listener }).listener = listener
    return this.on(event, wrapped)
  }

  off(event: string | symbol, listener: Listener): this {
    const list = this.listeners.get(event)
    if (!list) return this
    const i = list.findIndex((l) => l === listener || (l as { listener?: Listener }).listener === listener)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.listeners.delete(event)
    return this
  }

  removeListener(event: string | symbol, listener: Listener): this {
    return this.off(event, listener)
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.listeners.clear()
    else this.listeners.delete(event)
    return this
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.listeners.get(event)
    if (!list || list.length === 0) {
      if (event === "error") throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error: ${String(args[0])}`)
      return false
    }
    for (const l of [...list]) l.apply(this, args)
    return true
  }

  listenerCount(event: string | symbol): number {
    return this.listeners.get(event)?.length ?? 0
  }

  eventNames(): (string | symbol)[] {
    return [...this.listeners.keys()]
  }

  setMaxListeners(): this {
    return this
  }
}

export default EventEmitter
