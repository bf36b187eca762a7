"""A stand-in for systemd's notify socket: binds a unix datagram socket at argv[1] and prints
each message as one line `<monotonic ms> <message with newlines as spaces>`. File descriptors
passed along (systemd-notify's barrier) are closed at once, which is what releases the sender."""
import array
import os
import socket
import sys
import time

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
print("LISTENING", flush=True)
while True:
    data, ancdata, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(64 * array.array("i").itemsize))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
    text = data.decode("utf-8", "replace").strip().replace("\n", " ")
    print(f"{int(time.monotonic() * 1000)} {text}", flush=True)
