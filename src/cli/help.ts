/** The --help text of each subcommand ("" is the overview). */
import { commonHelp } from "./options.js"
import { TYPE_NAMES } from "./socket.js"

const FORMAT = `  -f, --format text|hex|json  message lines: text (frames tab-separated), hex
                              (frames space-separated) or JSON arrays (a frame is a
                              string, or {"hex": "..."} when it is not UTF-8)`

const SEND_INPUT = `Messages: the arguments are one message, one frame each (sent --count times);
  --file PATH (repeatable, - for stdin) adds a file's bytes as a frame; with
  neither, each line of stdin is one message (in --format).`

export const HELP: Record<string, string> = {
  "": `Usage: zmq-ts COMMAND [OPTIONS]   (zmq-ts COMMAND --help for each)

ZeroMQ from the command line, on zmq-ts (ZMTP 3.1, talks to libzmq 4.x).

Commands:
  send     send messages from a socket of any type
  recv     receive messages and print them
  req      send requests, print the replies
  rep      answer requests: echo, or --exec CMD
  pub      publish messages (optionally under a --topic)
  sub      subscribe to --topic prefixes and print what arrives
  proxy    forward between two sockets (zmq_proxy), with --capture
  monitor  connect and print every socket event: why doesn't it connect?
  bench    thr|lat: throughput and latency, like libzmq's perf tools
  keygen   make a CURVE key pair (Z85)

  --version   print the version
  -h, --help  this text

Exit status: 0 done, 1 runtime error (one line on stderr), 2 usage error.
Example:
  zmq-ts recv --type pull --bind tcp://*:5555 &
  zmq-ts send --type push --connect tcp://127.0.0.1:5555 hello world`,

  send: `Usage: zmq-ts send --type TYPE (--bind|--connect) ENDPOINT [FRAME ...]

Sends messages from a socket of any type that can send (${TYPE_NAMES}).
${SEND_INPUT}

  -t, --type TYPE           socket type (required)
  -n, --count N             messages to send (default: 1 from arguments, all stdin lines)
  --timeout MS              fail (exit 1) when a send cannot complete in MS ms
  --topic T                 send each message with T as its first frame
  -q, --quiet               do not print the bound endpoint on stderr
${FORMAT}

${commonHelp()}`,

  recv: `Usage: zmq-ts recv --type TYPE (--bind|--connect) ENDPOINT

Prints each message received, one a line (${TYPE_NAMES}).

  -t, --type TYPE           socket type (required)
  -n, --count N             exit after N messages (default: run until killed)
  --timeout MS              fail (exit 1) when no message comes within MS ms
  --topic T                 subscribe to prefix T (sub, xsub; repeatable; default all)
  -q, --quiet               do not print the bound endpoint on stderr
${FORMAT}

${commonHelp()}`,

  req: `Usage: zmq-ts req (--bind|--connect) ENDPOINT [FRAME ...]

A REQ socket: sends each message as a request and prints the reply.
${SEND_INPUT}

  -n, --count N             requests to make
  --timeout MS              fail (exit 1) when a request or reply takes over MS ms
${FORMAT}

${commonHelp()}`,

  rep: `Usage: zmq-ts rep (--bind|--connect) ENDPOINT [--exec CMD]

A REP socket: prints each request and replies with it (echo), or runs CMD in
/bin/sh with the request on stdin and replies with its stdout (text format:
frames on separate lines in, stdout less its final newline out as one frame;
hex/json: one message line each way).

  -e, --exec CMD            reply with CMD's output
  -n, --count N             exit after N requests
  --timeout MS              fail (exit 1) when no request comes within MS ms
  -q, --quiet               do not print requests or the bound endpoint
${FORMAT}

${commonHelp()}`,

  pub: `Usage: zmq-ts pub (--bind|--connect) ENDPOINT [--topic T] [FRAME ...]

A PUB socket. A PUB drops messages for subscribers not yet connected and
subscribed (libzmq's "slow joiner"): --wait-subscribers N waits for N
subscriptions first.
${SEND_INPUT}

  --topic T                 send each message with T as its first frame
  --wait-subscribers N      wait for N subscriptions before sending (an XPUB underneath)
  -n, --count N             messages to send
  --timeout MS              fail (exit 1) when waiting or sending takes over MS ms
${FORMAT}

${commonHelp()}`,

  sub: `Usage: zmq-ts sub (--bind|--connect) ENDPOINT [--topic T ...]

A SUB socket subscribed to each --topic prefix (default: everything); prints
what arrives, one message a line.

  --topic T                 subscribe to prefix T (repeatable)
  -n, --count N             exit after N messages
  --timeout MS              fail (exit 1) when no message comes within MS ms
${FORMAT}

${commonHelp()}`,

  proxy: `Usage: zmq-ts proxy FRONT BACK [--capture ENDPOINT]

Forwards messages both ways between two sockets, as zmq_proxy does.
FRONT and BACK are TYPE=ENDPOINT[,ENDPOINT...], where an endpoint starting
with @ is bound and one starting with > is connected (czmq's convention);
without either it is bound. Examples:
  zmq-ts proxy router=@tcp://*:5559 dealer=@tcp://*:5560      (shared queue)
  zmq-ts proxy xsub=@tcp://*:6000 xpub=@tcp://*:6001          (forwarder)
  zmq-ts proxy pull=@tcp://*:5557 push=@tcp://*:5558          (streamer)

  --capture [TYPE=]ENDPOINT also send every message to a socket there (default
                            TYPE pub; @ bind, > connect, default bind), as
                            zmq_proxy's capture; e.g. push=>tcp://host:5570
  -q, --quiet               do not print the bound endpoints

Socket option and security flags apply to both sockets.

${commonHelp()}`,

  monitor: `Usage: zmq-ts monitor ENDPOINT [--type TYPE] [--bind]

Connects (or with --bind, binds) a socket of TYPE (default dealer) and prints
every socket event as it happens, one a line, with its fields: connection
refused and retried, handshake succeeded or failed and why (wrong mechanism,
bad CURVE key, PLAIN credentials refused, incompatible socket types).

  -t, --type TYPE           socket type (default dealer)
  --bind                    bind ENDPOINT instead of connecting
  -n, --count N             exit after N events
  --timeout MS              exit after MS ms (status 0)
  -f, --format text|json    event lines as text (default) or JSON

${commonHelp()}`,

  bench: `Usage: zmq-ts bench thr|lat (--bind|--connect) ENDPOINT [-s SIZE] [-n COUNT]

Measures as libzmq's perf tools do, and talks to them:
  thr --bind    local_thr:  PULL, receives COUNT messages of SIZE bytes, times
                from the first; prints message size, count, mean throughput
                [msg/s] and [Mb/s]
  thr --connect remote_thr: PUSH, sends COUNT messages of SIZE bytes
  lat --bind    local_lat:  REP, echoes COUNT messages of SIZE bytes
  lat --connect remote_lat: REQ, COUNT roundtrips; prints average latency [us]

  -s, --size SIZE           message size in bytes (default 100)
  -n, --count COUNT         messages or roundtrips (default 100000 thr, 10000 lat)
  --no-progress             no progress line on stderr (shown when over ~1 s)

e.g.  zmq-ts bench thr --bind tcp://*:5555 -s 100 -n 100000
      remote_thr tcp://127.0.0.1:5555 100 100000`,

  keygen: `Usage: zmq-ts keygen [--json]

Prints a new CURVE key pair in Z85 (zmq_curve_keypair): the public key to
give peers, the secret key to keep.

  --json                    {"publicKey": "...", "secretKey": "..."}`,
}
