#!/usr/bin/python3
"""A real RTSP server for the CCTV probe tests: GStreamer's RTSP server (gst-rtsp-server) serving a
test-pattern MJPEG stream on /stream, on loopback. Auth: none, basic or digest.

usage: cctv-rtsp-server.py [--auth none|basic|digest] [--user U --password P] [--port N]
Prints "READY <port>" once it listens; runs until killed.
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--auth", choices=["none", "basic", "digest"], default="none")
parser.add_argument("--user", default="viewer")
parser.add_argument("--password", default="secret")
parser.add_argument("--port", type=int, default=0)
args = parser.parse_args()

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(str(args.port))

factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true pattern=smpte ! video/x-raw,format=I420,width=160,height=120,framerate=5/1 "
    "! jpegenc ! rtpjpegpay name=pay0 pt=26 )"
)
factory.set_shared(True)

if args.auth != "none":
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    if args.auth == "basic":
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    else:
        auth.add_digest(args.user, args.password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)
    factory.add_role_from_structure(
        Gst.Structure.new_from_string("user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")
    )

server.get_mount_points().add_factory("/stream", factory)
server.attach(None)
print(f"READY {server.get_bound_port()}", flush=True)
GLib.MainLoop().run()
