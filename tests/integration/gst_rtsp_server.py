#!/usr/bin/python3
# A real RTSP server for camdex's client tests: GStreamer's gst-rtsp-server
# serving live H.264 (x264enc) and H.265 (x265enc) test pictures, once
# without authentication and once behind Digest.
#
# Usage: /usr/bin/python3 gst_rtsp_server.py [--user U --password P] [--tls PEM]
# Prints one line "READY <open_port> <digest_port>" on stdout when both
# servers listen on 127.0.0.1 (ports chosen by the kernel), then serves until
# killed. Mounts on both: /h264, /h265, /h264-720 (1280x720). With --tls
# both servers speak RTSPS only (RTSP over TLS, as rtsps:// URLs expect),
# with the certificate and private key of the PEM file.
# Needs Debian's python3-gi (only for /usr/bin/python3), gir1.2-gst-rtsp-server-1.0,
# gstreamer1.0-plugins-{base,good,ugly,bad}.
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gio, GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINES = {
    "/h264": "videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=640,height=480,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
    "! rtph264pay name=pay0 pt=96 config-interval=-1",
    "/h264-720": "videotestsrc is-live=true ! video/x-raw,format=I420,width=1280,height=720,framerate=15/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
    "! rtph264pay name=pay0 pt=96",
    "/h265": "videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=352,height=288,framerate=25/1 "
    "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
    "! rtph265pay name=pay0 pt=96 config-interval=-1",
}


USER_ROLE = ("user, media.factory.access=(boolean)true, "
             "media.factory.construct=(boolean)true")


def make_server(auth, tls):
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")
    mounts = server.get_mount_points()
    for path, launch in PIPELINES.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch("( " + launch + " )")
        factory.set_shared(False)
        if auth is not None or tls is not None:
            factory.add_role_from_structure(Gst.Structure.from_string(USER_ROLE)[0])
        mounts.add_factory(path, factory)
    if auth is not None or tls is not None:
        rtsp_auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if auth is not None:
            user, password = auth
            rtsp_auth.add_digest(user, password, token)
            rtsp_auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        else:
            # An RTSPAuth refuses everyone it has no token for: without
            # credentials every client gets the user role.
            rtsp_auth.set_default_token(token)
        if tls is not None:
            rtsp_auth.set_tls_certificate(tls)
        server.set_auth(rtsp_auth)
    if server.attach(None) == 0:
        sys.exit("gst_rtsp_server: cannot listen on 127.0.0.1")
    return server


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="Cam-12345")
    ap.add_argument("--tls", metavar="PEM", help="certificate and key: serve RTSPS")
    args = ap.parse_args()
    Gst.init(None)
    tls = Gio.TlsCertificate.new_from_file(args.tls) if args.tls else None
    open_srv = make_server(None, tls)
    digest_srv = make_server((args.user, args.password), tls)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print("READY %d %d" % (open_srv.get_bound_port(), digest_srv.get_bound_port()), flush=True)
    loop.run()


if __name__ == "__main__":
    main()
