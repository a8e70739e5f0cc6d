#!/usr/bin/env python3
"""fcgi-slow.py SOCKET DIR -- a FastCGI client that holds a request open.

Connects to a responder's socket, sends BEGIN_REQUEST and the first PARAMS
record (so a worker has accepted the request and is reading it), touches
DIR/connected, waits until DIR/go exists, then finishes the request and
writes the response's first line to DIR/response.  Used by the SIGTERM
drain test: the request in hand must still be answered.
"""
import os
import socket
import struct
import sys
import time


def record(rtype, content, req_id=1):
    return struct.pack("!BBHHBB", 1, rtype, req_id, len(content), 0, 0) + content


def pair(name, value):
    n, v = name.encode(), value.encode()
    return bytes([len(n), len(v)]) + n + v


def main():
    sock_path, work = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.sendall(record(1, struct.pack("!HB5x", 1, 0)))          # BEGIN_REQUEST
    params = pair("REQUEST_METHOD", "GET") + pair("REQUEST_URI", "/api/health")
    s.sendall(record(4, params))                               # PARAMS (not ended)
    open(os.path.join(work, "connected"), "w").close()
    deadline = time.time() + 20
    while not os.path.exists(os.path.join(work, "go")):
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.02)
    s.sendall(record(4, b"") + record(5, b""))                 # end PARAMS, STDIN
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    # First STDOUT record's content starts after its 8-byte header.
    out = data[8:].split(b"\r\n", 1)[0].decode(errors="replace")
    with open(os.path.join(work, "response"), "w") as f:
        f.write(out + "\n")


if __name__ == "__main__":
    main()
