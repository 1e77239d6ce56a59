"""What the python peers share: JSON commands on stdin, one object a line,
and the socket's poll registration kept in step with what the peer wants."""

import json
import os
import sys

import zmq


class Commands:
    """Non-blocking reader of the test's commands on stdin (registered with the poller)."""

    def __init__(self, poller):
        self.fd = sys.stdin.fileno()
        os.set_blocking(self.fd, False)
        self.pending = b""
        poller.register(self.fd, zmq.POLLIN)

    def read(self, events):
        """The commands that arrived with this poll; None once stdin is closed
        (the test is done with us)."""
        if not events.get(self.fd):
            return []
        try:
            chunk = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return []
        if chunk == b"":
            return None
        self.pending += chunk
        *lines, self.pending = self.pending.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


class Registration:
    """The socket's poll flags, changed only when what the peer wants changes."""

    def __init__(self, poller, sock):
        self.poller = poller
        self.sock = sock
        self.flags = -1

    def want(self, flags):
        if flags == self.flags:
            return
        if flags:
            self.poller.register(self.sock, flags)
        elif self.flags > 0:
            self.poller.unregister(self.sock)
        self.flags = flags
