#!/usr/bin/python3
"""A libzmq peer (pyzmq) for zmq-ts's request-reply and pub-sub interop tests.

Usage: pattern_peer.py TYPE bind|connect ENDPOINT [OPTIONS]
  TYPE     REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB or XSUB
  OPTIONS  a JSON object, set before binding or connecting:
             {"routing_id": "<text>"}   ZMQ_ROUTING_ID
             {"probe_router": true}     ZMQ_PROBE_ROUTER

stdout, one JSON object a line:
  {"endpoint": "tcp://127.0.0.1:41207"}   first, once bound (the real endpoint) or connected
  {"recv": ["<hex>", ...]}                 every message received, frames in hex, in order
  {"pong": N}                              the answer to {"ping": N}
stdin, one JSON object a line, handled in order:
  {"send": ["<hex>", ...]}                 queue a message; messages leave in order
  {"subscribe": "<hex>"}                   ZMQ_SUBSCRIBE (SUB)
  {"unsubscribe": "<hex>"}                 ZMQ_UNSUBSCRIBE (SUB)
  {"ping": N}                              answer {"pong": N} once every message queued
                                           before it has been handed to libzmq
  end of input                             close the socket (linger 0) and exit 0

One thread, one zmq.Poller (socket + stdin): the peer never blocks on a send
(a REQ waiting for its reply, a DEALER with no peer yet): messages wait in a
queue until the socket is writable. Any error ends the process with a
traceback on stderr and a non-zero status; it exits as soon as stdin closes.
"""

import json
import sys
from collections import deque

import zmq

from peer_io import Commands, Registration

TYPES = {
    "REQ": zmq.REQ,
    "REP": zmq.REP,
    "DEALER": zmq.DEALER,
    "ROUTER": zmq.ROUTER,
    "PUB": zmq.PUB,
    "SUB": zmq.SUB,
    "XPUB": zmq.XPUB,
    "XSUB": zmq.XSUB,
}
RECV_BATCH = 1000


class Pong:
    """A {"ping": n} waiting in the send queue behind the messages queued before it."""

    def __init__(self, n) -> None:
        self.n = n


def main() -> int:
    args = sys.argv[1:]
    if len(args) not in (3, 4) or args[0] not in TYPES or args[1] not in ("bind", "connect"):
        sys.stderr.write(__doc__)
        return 2
    kind, mode, endpoint = args[0], args[1], args[2]
    options = json.loads(args[3]) if len(args) == 4 else {}
    out = sys.stdout

    def emit(obj) -> None:
        out.write(json.dumps(obj) + "\n")

    ctx = zmq.Context()
    sock = ctx.socket(TYPES[kind])
    sock.linger = 0
    can_recv = kind != "PUB"
    try:
        if "routing_id" in options:
            sock.setsockopt(zmq.ROUTING_ID, options["routing_id"].encode())
        if options.get("probe_router"):
            sock.setsockopt(zmq.PROBE_ROUTER, 1)
        if mode == "bind":
            sock.bind(endpoint)
            endpoint = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
        else:
            sock.connect(endpoint)
        emit({"endpoint": endpoint})
        out.flush()

        outgoing = deque()
        poller = zmq.Poller()
        commands = Commands(poller)
        registration = Registration(poller, sock)

        while True:
            registration.want((zmq.POLLIN if can_recv else 0) | (zmq.POLLOUT if outgoing else 0))
            events = dict(poller.poll())

            cmds = commands.read(events)
            if cmds is None:
                return 0  # stdin closed: the test is done with us
            if cmds:
                for cmd in cmds:
                    if "send" in cmd:
                        outgoing.append([bytes.fromhex(f) for f in cmd["send"]])
                    elif "subscribe" in cmd:
                        sock.setsockopt(zmq.SUBSCRIBE, bytes.fromhex(cmd["subscribe"]))
                    elif "unsubscribe" in cmd:
                        sock.setsockopt(zmq.UNSUBSCRIBE, bytes.fromhex(cmd["unsubscribe"]))
                    elif "ping" in cmd:
                        outgoing.append(Pong(cmd["ping"]))
                    else:
                        raise ValueError("unknown command: %r" % (cmd,))
                out.flush()

            # Ask the socket itself what it can do (ZMQ_EVENTS) rather than
            # trusting the poll: a REQ or REP changes state with every
            # message, and one in the wrong state fails with EFSM, not Again.
            received = 0
            while True:
                ready = sock.getsockopt(zmq.EVENTS)
                if can_recv and ready & zmq.POLLIN and received < RECV_BATCH:
                    frames = sock.recv_multipart(zmq.NOBLOCK)
                    emit({"recv": [f.hex() for f in frames]})
                    received += 1
                elif outgoing and isinstance(outgoing[0], Pong):
                    emit({"pong": outgoing.popleft().n})
                    out.flush()
                elif outgoing and ready & zmq.POLLOUT:
                    sock.send_multipart(outgoing.popleft(), zmq.NOBLOCK)
                else:
                    break
            if received:
                out.flush()
    except BrokenPipeError:
        return 0  # the test process went away
    finally:
        sock.close(linger=0)
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
