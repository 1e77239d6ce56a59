#!/usr/bin/python3
"""A pyzmq (libzmq 4.3.4) peer for the zmq-ts CLI tests: does one script and exits.

Usage: py_peer.py TYPE bind|connect ENDPOINT SCRIPT_JSON

SCRIPT_JSON, all keys optional, done in this order:
  {"curve_server": "<z85 secret>"}            be a CURVE server
  {"curve_client": ["<server public>", "<public>", "<secret>"]}
  {"subscribe": ["<text>", ...]}              SUB prefixes
  {"wait_subscription": true}                 XPUB: wait for a subscription first
  {"send": [["<hex>", ...], ...]}             messages to send, in order
  {"recv": N}                                 messages to receive and print
  {"echo": N}                                 REP/ROUTER-free echo: receive N, reply each with b"re:" + frame 0
  {"request": [["<hex>", ...], ...]}          REQ: send each, print each reply

stdout, one JSON object a line:
  {"endpoint": "tcp://127.0.0.1:41207"}       first, once bound or connected
  {"subscription": "<hex>"}                   XPUB: the subscription seen
  {"recv": ["<hex>", ...]}                    each message received
  {"done": true}                              once the script is done; then it waits
                                              for end of stdin before closing

Every receive times out after 20 s so that the process cannot outlive a
broken test; linger is 5 s so that what was sent is delivered before exit.
"""

import json
import sys

import zmq

TYPES = {"PUSH": zmq.PUSH, "PULL": zmq.PULL, "REQ": zmq.REQ, "REP": zmq.REP, "PUB": zmq.PUB, "SUB": zmq.SUB, "XPUB": zmq.XPUB}


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    kind, mode, endpoint, script = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    ctx = zmq.Context()
    sock = ctx.socket(TYPES[kind])
    sock.linger = 5000
    sock.rcvtimeo = 20000
    sock.sndtimeo = 20000
    if "curve_server" in script:
        sock.curve_server = True
        sock.curve_secretkey = script["curve_server"].encode()
    if "curve_client" in script:
        server, public, secret = script["curve_client"]
        sock.curve_serverkey = server.encode()
        sock.curve_publickey = public.encode()
        sock.curve_secretkey = secret.encode()
    for prefix in script.get("subscribe", []):
        sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())
    if mode == "bind":
        sock.bind(endpoint)
        endpoint = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
    else:
        sock.connect(endpoint)
    out({"endpoint": endpoint})
    if script.get("wait_subscription"):
        out({"subscription": sock.recv().hex()})
    for msg in script.get("send", []):
        sock.send_multipart([bytes.fromhex(f) for f in msg])
    for _ in range(script.get("recv", 0)):
        out({"recv": [f.hex() for f in sock.recv_multipart()]})
    for _ in range(script.get("echo", 0)):
        frames = sock.recv_multipart()
        out({"recv": [f.hex() for f in frames]})
        sock.send(b"re:" + frames[0])
    for msg in script.get("request", []):
        sock.send_multipart([bytes.fromhex(f) for f in msg])
        out({"recv": [f.hex() for f in sock.recv_multipart()]})
    out({"done": True})
    # Stay connected until the test closes our stdin: a peer that hangs up
    # at once can race its last messages (see the report on PULL).
    sys.stdin.read()
    sock.close()
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
