#!/usr/bin/python3
# A real RTSP server for camdex's client tests: GStreamer's gst-rtsp-server
# serving live H.264 (x264enc) and H.265 (x265enc) pictures of a camera,
# once without authentication and once behind Digest.
#
# The pictures are a live camera's, not a test pattern, because the deep
# probe diagnoses them: a photograph (python3-skimage's street scene, as
# camfarm's healthy clips) whose view sways in a slow circle, with a
# sensor's noise on every picture. GStreamer's test patterns are drawn flat
# and still, which the picture diagnosis rightly calls signal_lost or
# frozen. ffmpeg draws one turn of the circle (two seconds) at start-up;
# the server loops it into the encoder, which codes it anew each time, as
# a camera would. Without the photograph the moving ball pattern stands in.
#
# Usage: /usr/bin/python3 gst_rtsp_server.py [--user U --password P] [--tls PEM]
# Prints one line "READY <open_port> <digest_port>" on stdout when both
# servers listen on 127.0.0.1 (ports chosen by the kernel), then serves until
# killed. Mounts on both: /h264 (640x480, 25 fps), /h265 (352x288, 25 fps),
# /h264-720 (1280x720, 15 fps). With --tls both servers speak RTSPS only
# (RTSP over TLS, as rtsps:// URLs expect), with the certificate and private
# key of the PEM file.
# Needs Debian's python3-gi (only for /usr/bin/python3), gir1.2-gst-rtsp-server-1.0,
# gstreamer1.0-plugins-{base,good,ugly,bad}, ffmpeg and python3-skimage.
import argparse
import os
import signal
import subprocess
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gio, GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PHOTO = "/usr/lib/python3/dist-packages/skimage/data/motorcycle_left.png"
LOOP_S = 2  # one turn of the view's circle

# path: (width, height, fps, encoder and payloader)
MOUNTS = {
    "/h264": (640, 480, 25, "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
              "! rtph264pay name=pay0 pt=96 config-interval=-1"),
    "/h264-720": (1280, 720, 15, "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
                  "! rtph264pay name=pay0 pt=96"),
    "/h265": (352, 288, 25, "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
              "! rtph265pay name=pay0 pt=96 config-interval=-1"),
}


def draw_loop(width, height, fps):
    """One turn of the swaying view with sensor noise as raw I420 pictures,
    drawn by ffmpeg as camfarm draws its healthy clips: the view moves about
    2 pixels a picture, and every picture has noise of its own."""
    sway = width // 128 if fps < 25 else 16
    big_w, big_h = width + 4 * sway, height + 4 * sway
    graph = ("scale=%d:%d:force_original_aspect_ratio=increase,crop=%d:%d,"
             "crop=%d:%d:x='%d+%d*sin(2*PI*t/%d)':y='%d+%d*cos(2*PI*t/%d)',"
             "noise=alls=6:allf=t,format=yuv420p"
             % (big_w, big_h, big_w, big_h, width, height, 2 * sway, sway, LOOP_S,
                2 * sway, sway, LOOP_S))
    raw = subprocess.run(
        ["/usr/bin/ffmpeg", "-v", "error", "-loop", "1", "-framerate", str(fps), "-i", PHOTO,
         "-vf", graph, "-frames:v", str(LOOP_S * fps), "-f", "rawvideo", "-"],
        check=True, stdout=subprocess.PIPE).stdout
    size = width * height * 3 // 2
    return [raw[i:i + size] for i in range(0, len(raw) - size + 1, size)]


def launch_line(width, height, fps, encode, have_photo):
    caps = "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1" % (width, height, fps)
    if not have_photo:
        return "videotestsrc is-live=true pattern=ball ! %s ! %s" % (caps, encode)
    return "appsrc name=camera format=time caps=%s ! %s" % (caps, encode)


def feed(media, pictures, fps):
    """Hands the media's appsrc the loop's pictures one after another, with
    timestamps that go on growing: the sinks pace them to the clock."""
    src = media.get_element().get_by_name("camera")
    if src is None:
        return
    n = [0]

    def need_data(appsrc, _length):
        buf = Gst.Buffer.new_wrapped(pictures[n[0] % len(pictures)])
        buf.pts = n[0] * Gst.SECOND // fps
        buf.duration = Gst.SECOND // fps
        n[0] += 1
        appsrc.emit("push-buffer", buf)

    src.connect("need-data", need_data)


USER_ROLE = ("user, media.factory.access=(boolean)true, "
             "media.factory.construct=(boolean)true")


def make_server(auth, tls, loops):
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")
    mounts = server.get_mount_points()
    for path, (width, height, fps, encode) in MOUNTS.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch("( " + launch_line(width, height, fps, encode, path in loops) + " )")
        factory.set_shared(False)
        if path in loops:
            factory.connect("media-configure", lambda _f, media, pics=loops[path], fps=fps:
                            feed(media, pics, fps))
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
    loops = {}
    if os.path.exists(PHOTO):
        for path, (width, height, fps, _) in MOUNTS.items():
            loops[path] = draw_loop(width, height, fps)
    else:
        print("gst_rtsp_server: no %s (apt-get install python3-skimage): a test pattern instead, "
              "which the picture diagnosis faults" % PHOTO, file=sys.stderr)
    open_srv = make_server(None, tls, loops)
    digest_srv = make_server((args.user, args.password), tls, loops)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print("READY %d %d" % (open_srv.get_bound_port(), digest_srv.get_bound_port()), flush=True)
    loop.run()


if __name__ == "__main__":
    main()
