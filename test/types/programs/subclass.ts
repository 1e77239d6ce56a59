// Subclassing as zeromq.js allows: Socket with a type number, and concrete classes.
import * as zmq from "zmq-lib"

export class Custom extends zmq.Socket {
  constructor(options?: zmq.SocketOptions<Custom>) {
    super(8, options)
  }

  get hwm(): number {
    return this.getInt32Option(23)
  }

  set hwm(value: number) {
    this.setInt32Option(23, value)
  }
}

export class MyDealer extends zmq.Dealer {
  greet(): Promise<void> {
    return this.send("hello")
  }
}

export class MyContext extends zmq.Context {
  get threads(): number {
    return this.getInt32Option(1)
  }
}

export function use(): zmq.Socket[] {
  const a = new Custom({ linger: 0 })
  const b = new MyDealer({ routingId: "x" })
  a.hwm = 5
  void new MyContext().threads
  return [a, b]
}
