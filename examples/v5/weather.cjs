// Weather update pub-sub (guide chapter 1, wuserver/wuclient): the server
// publishes "zipcode temperature humidity" for many zipcodes; the client
// subscribes to one zipcode only and averages 20 of its updates.
const zmq = require(process.env.ZMQ_MODULE ?? "zmq-ts/v5-compat")

const ZIP = "10001"
const publisher = zmq.socket("pub")
publisher.bind("tcp://127.0.0.1:*", (err) => {
  if (err) throw err
  const subscriber = zmq.socket("sub")
  subscriber.subscribe(ZIP + " ")
  subscriber.connect(publisher.last_endpoint)

  const temperatures = []
  subscriber.on("message", (data) => {
    const [zip, temperature] = data.toString().split(" ")
    if (zip !== ZIP) throw new Error(`unsubscribed update for ${zip}`)
    temperatures.push(Number(temperature))
    if (temperatures.length === 20) {
      clearInterval(timer)
      const average = temperatures.reduce((a, b) => a + b, 0) / temperatures.length
      console.log(`updates for ${ZIP}: ${temperatures.length}`)
      console.log(`average temperature for ${ZIP}: ${average}F`)
      subscriber.close()
      publisher.close()
    }
  })

  // A subscriber misses what was published before it joined: publish
  // batches until it has what it needs. Temperatures are a function of the
  // zipcode, so the average does not depend on which updates it saw.
  let seq = 0
  const timer = setInterval(() => {
    for (let i = 0; i < 100; i++, seq++) {
      const zip = String(10000 + (seq % 10))
      const temperature = (Number(zip) % 7) * 10 + 1
      publisher.send(`${zip} ${temperature} ${(seq * 13) % 60}`)
    }
  }, 5)
})
