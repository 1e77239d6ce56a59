#!/usr/bin/python3
"""A libzmq peer (pyzmq) for zmq-ts's interop tests, driven over stdio.

Usage: zmq_peer.py TYPE bind|connect ENDPOINT        (TYPE: PUSH, PULL or PAIR)

stdout, one JSON object a line:
  {"endpoint": "tcp://127.0.0.1:41207"}   first, once bound (the real endpoint) or connected
  {"recv": ["<hex>", ...]}                 every message received, frames in hex, in order
stdin, one JSON object a line:
  {"send": ["<hex>", ...]}                 queue a message; messages leave in order
  {"connect": "<endpoint>"}                connect to one more endpoint
  end of input                             close the socket (linger 0) and exit 0

Everything runs in one thread around one zmq.Poller (socket + stdin), so the
peer never blocks on a send: messages wait in a queue until the socket is
writable. It exits as soon as stdin closes, so it cannot outlive the test.
"""

import json
import sys
from collections import deque

import zmq

from peer_io import Commands, Registration

TYPES = {"PUSH": zmq.PUSH, "PULL": zmq.PULL, "PAIR": zmq.PAIR}
RECV_BATCH = 1000


def main() -> int:
    if len(sys.argv) != 4 or sys.argv[1] not in TYPES or sys.argv[2] not in ("bind", "connect"):
        sys.stderr.write(__doc__)
        return 2
    kind, mode, endpoint = sys.argv[1], sys.argv[2], sys.argv[3]
    out = sys.stdout

    ctx = zmq.Context()
    sock = ctx.socket(TYPES[kind])
    sock.linger = 0
    can_recv = kind != "PUSH"
    try:
        if mode == "bind":
            sock.bind(endpoint)
            endpoint = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
        else:
            sock.connect(endpoint)
        out.write(json.dumps({"endpoint": endpoint}) + "\n")
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
                    elif "connect" in cmd:
                        sock.connect(cmd["connect"])
                    else:
                        raise ValueError("unknown command: %r" % (cmd,))

            sock_events = events.get(sock, 0)
            if sock_events & zmq.POLLIN:
                for _ in range(RECV_BATCH):
                    try:
                        frames = sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    out.write(json.dumps({"recv": [f.hex() for f in frames]}) + "\n")
                out.flush()
            if outgoing:  # also right after stdin queued some; Again just means wait for POLLOUT
                while outgoing:
                    try:
                        sock.send_multipart(outgoing[0], zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    outgoing.popleft()
    except BrokenPipeError:
        return 0  # the test process went away
    finally:
        sock.close(linger=0)
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
