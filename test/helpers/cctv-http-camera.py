#!/usr/bin/python3
"""The HTTP side of a test camera, on loopback, one role per process so a test can kill each alone.

  --role snapshot --images DIR [--auth none|basic|digest --user U --password P]
      GET /street.jpg, /flat.jpg (files from DIR), /broken.jpg (street.jpg cut in half) and
      /endless.mjpg (an MJPEG stream, ~20 MB).
  --role onvif [--skew-s N]
  --port N  listen on N (default: a free port), e.g. to restart on the same port
      POST /onvif/device_service answers GetSystemDateAndTime with a clock N seconds off.

Prints "READY <port>" once it listens; runs until killed.
"""
import argparse
import base64
import hashlib
import os
import re
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--role", choices=["snapshot", "onvif"], required=True)
parser.add_argument("--images", default=".")
parser.add_argument("--auth", choices=["none", "basic", "digest"], default="none")
parser.add_argument("--user", default="viewer")
parser.add_argument("--password", default="secret")
parser.add_argument("--skew-s", type=float, default=0.0)
parser.add_argument("--port", type=int, default=0)
args = parser.parse_args()

REALM = "test-camera"
NONCE = secrets.token_hex(8)

images = {}
if args.role == "snapshot":
    with open(os.path.join(args.images, "street.jpg"), "rb") as f:
        images["/street.jpg"] = f.read()
    with open(os.path.join(args.images, "flat.jpg"), "rb") as f:
        images["/flat.jpg"] = f.read()
    images["/broken.jpg"] = images["/street.jpg"][: len(images["/street.jpg"]) // 2]

ONVIF_REPLY = """<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">
<SOAP-ENV:Body><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>
<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>
<tt:TimeZone><tt:TZ>ICT-7</tt:TZ></tt:TimeZone>
<tt:UTCDateTime><tt:Time><tt:Hour>{H}</tt:Hour><tt:Minute>{M}</tt:Minute><tt:Second>{S}</tt:Second></tt:Time>
<tt:Date><tt:Year>{y}</tt:Year><tt:Month>{m}</tt:Month><tt:Day>{d}</tt:Day></tt:Date></tt:UTCDateTime>
</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"""


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def reply(self, status, body=b"", ctype="text/plain", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        if args.auth == "none":
            return True
        header = self.headers.get("Authorization", "")
        if args.auth == "basic":
            expected = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
            return header == f"Basic {expected}"
        if not header.startswith("Digest "):
            return False
        p = dict((k, a or b) for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', header))
        ha1 = md5(f"{args.user}:{REALM}:{args.password}")
        ha2 = md5(f"GET:{p.get('uri', '')}")
        if p.get("qop") == "auth":
            expected = md5(f"{ha1}:{NONCE}:{p.get('nc')}:{p.get('cnonce')}:auth:{ha2}")
        else:
            expected = md5(f"{ha1}:{NONCE}:{ha2}")
        return p.get("username") == args.user and p.get("nonce") == NONCE and p.get("response") == expected

    def do_GET(self):
        if args.role == "snapshot" and self.path == "/endless.mjpg":
            return self.endless()
        if args.role != "snapshot" or self.path not in images:
            return self.reply(404, b"not found")
        if not self.authorized():
            challenge = f'Basic realm="{REALM}"' if args.auth == "basic" else f'Digest realm="{REALM}", qop="auth", nonce="{NONCE}"'
            return self.reply(401, b"login required", extra={"WWW-Authenticate": challenge})
        self.reply(200, images[self.path], "image/jpeg")

    def endless(self):
        # A video stream where a snapshot was expected: frames until the client hangs up.
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.send_header("Connection", "close")
        self.end_headers()
        frame = b"--frame\r\nContent-Type: image/jpeg\r\n\r\n" + images["/street.jpg"] + b"\r\n"
        try:
            for _ in range(2000):
                self.wfile.write(frame)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        if args.role != "onvif" or self.path != "/onvif/device_service" or "GetSystemDateAndTime" not in body:
            return self.reply(400, b"unsupported")
        t = time.gmtime(time.time() + args.skew_s)
        xml = ONVIF_REPLY.format(H=t.tm_hour, M=t.tm_min, S=t.tm_sec, y=t.tm_year, m=t.tm_mon, d=t.tm_mday)
        self.reply(200, xml.encode(), "application/soap+xml; charset=utf-8")


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print(f"READY {server.server_address[1]}", flush=True)
server.serve_forever()
