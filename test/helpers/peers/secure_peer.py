#!/usr/bin/python3
"""A libzmq peer (pyzmq) with PLAIN or CURVE security for zmq-ts's interop
tests, driven over stdio.

Usage: secure_peer.py TYPE bind|connect ENDPOINT [OPTION ...]
  TYPE                       PUSH, PULL, DEALER or ROUTER
  --plain-server             be a PLAIN server (needs a ZAP handler: --zap-plain)
  --plain-client USER PASS   be a PLAIN client
  --curve-server SECRET      be a CURVE server (Z85 secret key)
  --curve-client SERVER PUBLIC SECRET
                             be a CURVE client (Z85 keys)
  --zap-plain USER:PASS      run a ZAP handler that lets this user in (repeatable)
  --zap-curve PUBLIC         run a ZAP handler that lets this CURVE client key in (repeatable)
  --zap-domain DOMAIN        set ZMQ_ZAP_DOMAIN

The ZAP handler is a REP socket bound at inproc://zeromq.zap.01 in the
peer's context; it answers 200 to listed credentials and 400 to anything
else. Without a handler a libzmq CURVE server lets any client in.

stdout, one JSON object a line:
  {"endpoint": "tcp://127.0.0.1:41207"}     first, once bound (the real endpoint) or connected
  {"recv": ["<hex>", ...]}                   every message received, frames in hex
  {"event": "HANDSHAKE_SUCCEEDED", "value": 0}
                                             every socket monitor event (value: ZAP status,
                                             protocol error number or errno)
  {"zap": {"mechanism": "PLAIN", "credentials": ["<hex>", ...], "status": "200"}}
                                             every ZAP request answered
stdin, one JSON object a line:
  {"send": ["<hex>", ...]}                   queue a message; messages leave in order
  end of input                               close everything (linger 0) and exit 0

One thread and one zmq.Poller (socket, monitor, ZAP handler, stdin): the
peer never blocks, and it exits as soon as stdin closes.
"""

import json
import sys
from collections import deque

import zmq

from peer_io import Commands, Registration
from zmq.utils.monitor import recv_monitor_message

TYPES = {"PUSH": zmq.PUSH, "PULL": zmq.PULL, "DEALER": zmq.DEALER, "ROUTER": zmq.ROUTER}
RECV_BATCH = 1000

EVENT_NAMES = {}
for _name in dir(zmq):
    if _name.startswith("EVENT_") and not _name.startswith("EVENT_ALL"):
        EVENT_NAMES.setdefault(getattr(zmq, _name), _name[len("EVENT_"):])


def parse_args(argv):
    if len(argv) < 3 or argv[0] not in TYPES or argv[1] not in ("bind", "connect"):
        raise ValueError("bad arguments")
    opts = {"type": argv[0], "mode": argv[1], "endpoint": argv[2], "zap_plain": {}, "zap_curve": set()}
    rest = argv[3:]
    arity = {"--plain-server": 0, "--plain-client": 2, "--curve-server": 1, "--curve-client": 3, "--zap-plain": 1, "--zap-curve": 1, "--zap-domain": 1}
    while rest:
        flag = rest.pop(0)
        if flag not in arity or len(rest) < arity[flag]:
            raise ValueError("bad option %r" % flag)
        args, rest = rest[: arity[flag]], rest[arity[flag]:]
        if flag == "--zap-plain":
            user, _, password = args[0].partition(":")
            opts["zap_plain"][user] = password
        elif flag == "--zap-curve":
            opts["zap_curve"].add(zmq.utils.z85.decode(args[0].encode()))
        else:
            opts[flag] = args
    return opts


def configure(sock, opts):
    sock.linger = 0
    if "--zap-domain" in opts:
        sock.zap_domain = opts["--zap-domain"][0].encode()
    if "--plain-server" in opts:
        sock.plain_server = True
    if "--plain-client" in opts:
        user, password = opts["--plain-client"]
        sock.plain_username = user.encode()
        sock.plain_password = password.encode()
    if "--curve-server" in opts:
        sock.curve_server = True
        sock.curve_secretkey = opts["--curve-server"][0].encode()
    if "--curve-client" in opts:
        server, public, secret = opts["--curve-client"]
        sock.curve_serverkey = server.encode()
        sock.curve_publickey = public.encode()
        sock.curve_secretkey = secret.encode()


def zap_verdict(opts, mechanism, credentials):
    if mechanism == b"PLAIN" and len(credentials) == 2:
        user, password = (c.decode("utf-8", "replace") for c in credentials)
        if opts["zap_plain"].get(user) == password:
            return b"200", user.encode()
    if mechanism == b"CURVE" and len(credentials) == 1 and credentials[0] in opts["zap_curve"]:
        return b"200", b""
    return b"400", b""


def main() -> int:
    try:
        opts = parse_args(sys.argv[1:])
    except ValueError as err:
        sys.stderr.write("%s\n%s" % (err, __doc__))
        return 2
    out = sys.stdout

    def emit(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    ctx = zmq.Context()
    zap = None
    if opts["zap_plain"] or opts["zap_curve"]:
        zap = ctx.socket(zmq.REP)
        zap.linger = 0
        zap.bind("inproc://zeromq.zap.01")
    sock = ctx.socket(TYPES[opts["type"]])
    configure(sock, opts)
    mon = sock.get_monitor_socket()
    endpoint = opts["endpoint"]
    try:
        if opts["mode"] == "bind":
            sock.bind(endpoint)
            endpoint = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
        else:
            sock.connect(endpoint)
        emit({"endpoint": endpoint})

        outgoing = deque()
        poller = zmq.Poller()
        commands = Commands(poller)
        poller.register(mon, zmq.POLLIN)
        if zap is not None:
            poller.register(zap, zmq.POLLIN)
        can_recv = opts["type"] != "PUSH"
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
                    else:
                        raise ValueError("unknown command: %r" % (cmd,))

            if events.get(mon):
                while True:
                    try:
                        ev = recv_monitor_message(mon, zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    name = EVENT_NAMES.get(ev["event"], str(ev["event"]))
                    emit({"event": name, "value": ev["value"]})

            if zap is not None and events.get(zap):
                req = zap.recv_multipart()
                version, request_id, _domain, _address, _identity, mechanism = req[:6]
                status, user_id = zap_verdict(opts, mechanism, req[6:])
                zap.send_multipart([version, request_id, status, b"OK" if status == b"200" else b"denied", user_id, b""])
                emit({"zap": {"mechanism": mechanism.decode(), "credentials": [c.hex() for c in req[6:]], "status": status.decode()}})

            if events.get(sock, 0) & zmq.POLLIN:
                for _ in range(RECV_BATCH):
                    try:
                        frames = sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    out.write(json.dumps({"recv": [f.hex() for f in frames]}) + "\n")
                out.flush()
            while outgoing:
                try:
                    sock.send_multipart(outgoing[0], zmq.NOBLOCK)
                except zmq.Again:
                    break
                outgoing.popleft()
    except BrokenPipeError:
        return 0  # the test process went away
    finally:
        sock.disable_monitor()
        mon.close(linger=0)
        sock.close(linger=0)
        if zap is not None:
            zap.close(linger=0)
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
