"""The labelled picture set: short camera-like clips (640x360, 25 fps,
H.264 in FLV, a keyframe a second) made from the natural photographs that
ship with python3-skimage: VARIANTS per photograph and kind (each a view
of its own: another part of the photograph, mirrored or not, and the
fault's own parameters drawn afresh): healthy, dim, rain, static (all
healthy) and each fault the picture diagnosis names.

usage: make_set.py OUTDIR HALF [VARIANTS]   (HALF: tune or report; 4)

Deterministic: every clip's randomness is seeded by its name."""
import multiprocessing
import os
import subprocess
import sys
import warnings
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import misc, ndimage
from skimage import data

# 12 pictures (480 ms): the deep probe measures 400 ms and decodes the
# first four.
W, H, FPS, FRAMES = 640, 360, 25, 12
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

# Natural photographs only (no documents, drawings or star fields); the
# two halves are disjoint. The tuning half's last three hold the scene
# types its first six lacked and the report half's misses were made of:
# regular rows (ascent's stairs and railings), a warm-lit room with a
# large plain wall (a frame of imageio's cockatoo video) and fur filling
# the picture (scipy's raccoon); scipy (python3-scipy) and imageio
# (python3-imageio) ship them.
HALVES = {
    "tune": ["astronaut", "camera", "coffee", "grass", "moon", "motorcycle_left",
             "ascent", "cockatoo", "face"],
    "report": ["brick", "chelsea", "coins", "gravel", "rocket", "motorcycle_right"],
}
COCKATOO = "/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4"


def load(name):
    """A photograph as an RGB or grey array."""
    if name.startswith("motorcycle_"):
        return data.stereo_motorcycle()[0 if name.endswith("left") else 1]
    if name in ("ascent", "face"):
        # Deprecated in scipy 1.10 for scipy.datasets, which downloads them;
        # Debian 12's scipy still ships them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            img = getattr(misc, name)()
        return img.clip(0, 255).astype(np.uint8)
    if name == "cockatoo":
        # The video's first picture (1280x720), decoded by ffmpeg.
        raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", COCKATOO,
                              "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             check=True, stdout=subprocess.PIPE).stdout
        return np.frombuffer(raw, np.uint8).reshape(720, 1280, 3)
    return getattr(data, name)()
HEALTHY = ["healthy", "dim", "rain", "static"]
FAULTS = ["signal_lost_blue", "signal_lost_bars", "signal_lost_black", "black",
          "too_bright", "blurred", "occluded", "color_cast", "noisy", "stripes",
          "frozen", "shaking"]


def photo(name, variant=0):
    img = load(name)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    img = img[..., :3].astype(np.float32)
    if img.max() <= 1.0:
        img *= 255
    # Fit the photograph to 720x405, a little larger than the picture, so
    # the camera has room to move. Each variant looks at a part of its own:
    # zoomed in up to 30 % (no more: an upscaled photograph turns soft),
    # placed anywhere, every other one mirrored.
    rng = np.random.default_rng(zlib.crc32(("%s/view/%d" % (name, variant)).encode()))
    zoom = 1 + 0.1 * variant
    h, w = img.shape[:2]
    s = max(720 / w, 405 / h) * zoom
    pil = Image.fromarray(img.clip(0, 255).astype(np.uint8))
    pil = pil.resize((int(w * s + 0.5), int(h * s + 0.5)), Image.BICUBIC)
    a = np.asarray(pil).astype(np.float32)
    y0 = int(rng.integers(0, a.shape[0] - 405 + 1))
    x0 = int(rng.integers(0, a.shape[1] - 720 + 1))
    if variant == 0:
        y0, x0 = (a.shape[0] - 405) // 2, (a.shape[1] - 720) // 2
    a = a[y0:y0 + 405, x0:x0 + 720]
    return a[:, ::-1] if variant % 2 else a


def window(big, x, y):
    x = int(round(min(max(x, 0), big.shape[1] - W)))
    y = int(round(min(max(y, 0), big.shape[0] - H)))
    return big[y:y + H, x:x + W].copy()


def text_screen(bg, fg, words, size=40):
    im = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, size)
    box = d.textbbox((0, 0), words, font=font)
    d.text(((W - box[2]) // 2, (H - box[3]) // 2), words, font=font, fill=fg)
    return np.asarray(im).astype(np.float32)


def bars():
    cols = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0),
            (191, 0, 191), (191, 0, 0), (0, 0, 191)]
    a = np.zeros((H, W, 3), np.float32)
    for i, c in enumerate(cols):
        a[:, i * W // 7:(i + 1) * W // 7] = c
    return a


def osd(frame, t):
    im = Image.fromarray(frame.clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, 18)
    d.text((12, 8), "2026-12-07 13:00:%02d" % (t // FPS), font=font, fill=(235, 235, 235))
    return np.asarray(im).astype(np.float32)


def board_mask(rng):
    """A board or a bag in front of the lens, covering 50-100 % of the view
    from one side, its edge a little tilted."""
    cover = rng.uniform(0.5, 1.0)
    yy, xx = np.mgrid[0:H, 0:W]
    tilt = rng.uniform(-0.3, 0.3)
    edge = cover * W + (yy - H / 2) * tilt
    m = xx < edge
    return m[:, ::-1] if rng.integers(2) else m


def frames(kind, big, rng, variant):
    """Yields FRAMES RGB float pictures of one clip."""
    x0, y0 = rng.uniform(10, 60), rng.uniform(10, 35)
    # A slow pan (a PTZ on tour, a camera swaying a little): 0.5-1.5 pixels
    # a picture.
    vx = rng.uniform(0.5, 1.5) * rng.choice([-1, 1])
    vy = rng.uniform(-0.5, 0.5)
    sensor = 3.0
    still = window(big, x0, y0)
    frozen_pic = still + rng.normal(0, sensor, still.shape[:2])[..., None]
    board_m = board_mask(rng) if kind == "occluded" else None
    board_c = rng.uniform(50, 120) * np.array([1.0, rng.uniform(0.8, 1.0), rng.uniform(0.6, 0.9)])
    # Casts as a failed white balance or IR-cut filter gives them: reddish,
    # bluish, green, magenta; a photograph's variants take each in turn, at
    # a strength of their own.
    cast = [(1.4, 1.0, 0.6), (0.65, 0.95, 1.4), (0.7, 1.25, 0.65), (1.3, 0.7, 1.3)][variant % 4]
    cast = 1 + (np.array(cast, np.float32) - 1) * rng.uniform(0.85, 1.15)
    rain_n = int(rng.integers(120, 200))
    dim = rng.uniform(0.18, 0.3)
    gamma, gain = rng.uniform(0.3, 0.4), rng.uniform(1.5, 1.7)
    blur = rng.uniform(5, 7)
    snow = rng.uniform(24, 32)
    bar_period, bar_amp = rng.uniform(70, 110), rng.uniform(26, 34)
    line_period, line_amp = int(rng.integers(5, 8)), rng.uniform(30, 40)
    for t in range(FRAMES):
        moving = window(big, x0 + vx * t, y0 + vy * t)
        f = moving
        noise = sensor
        if kind == "dim":
            f = moving * dim
            noise = 3.0
        elif kind == "static":
            f = still
        elif kind == "rain":
            f = moving.copy()
            for _ in range(rain_n):
                x, y = rng.integers(0, W), rng.integers(0, H - 30)
                ln = rng.integers(10, 30)
                f[y:y + ln, x] = f[y:y + ln, x] * 0.5 + 110
        elif kind == "signal_lost_blue":
            f, noise = text_screen((0, 0, 200), (255, 255, 255), "无视频信号"), 0
        elif kind == "signal_lost_bars":
            f, noise = bars(), 0
        elif kind == "signal_lost_black":
            f, noise = text_screen((0, 0, 0), (255, 255, 255), "NO VIDEO"), 0
        elif kind == "black":
            f = osd(np.full((H, W, 3), 3.0, np.float32), t)
            noise = 1.0
        elif kind == "too_bright":
            f = 255 * (moving / 255) ** gamma * gain
        elif kind == "blurred":
            f = ndimage.gaussian_filter(moving, sigma=(blur, blur, 0))
        elif kind == "occluded":
            f = moving.copy()
            f[board_m] = board_c
        elif kind == "color_cast":
            f = moving * cast
        elif kind == "noisy":
            noise = snow
        elif kind == "stripes":
            yy = np.arange(H, dtype=np.float32)[:, None, None]
            if variant % 2 == 0:  # rolling bars
                f = moving + bar_amp * np.sin(2 * np.pi * (yy / bar_period + t / 12.0))
            else:  # interference lines
                f = moving + line_amp * ((yy.astype(int) % line_period) < 1) - 8
        elif kind == "frozen":
            # The picture the capture path hung on (its noise frozen in).
            f = frozen_pic
            noise = 0.0
        elif kind == "shaking":
            f = window(big, x0 + rng.uniform(-16, 16), y0 + rng.uniform(-12, 12))
        if noise:
            f = f + rng.normal(0, noise, f.shape[:2])[..., None]
        yield f


def make_clip(path, kind, name, big, variant):
    seed = zlib.crc32(("%s/%s/%d" % (name, kind, variant)).encode())
    rng = np.random.default_rng(seed)
    # Frozen, second variant: an encoder that codes its one picture as a
    # keyframe every other time, so consecutive pictures differ by its own
    # rounding ("encoder noise").
    gop = 2 if kind == "frozen" and variant % 2 == 1 else FPS
    enc = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", "%dx%d" % (W, H), "-r", str(FPS), "-i", "-", "-c:v", "libx264",
         "-preset", "veryfast", "-tune", "grain", "-g", str(gop), "-bf", "0", "-b:v", "1500k",
         "-maxrate", "1500k", "-bufsize", "1500k",
         "-pix_fmt", "yuv420p", "-threads", "1", "-f", "flv", path],
        stdin=subprocess.PIPE)
    for f in frames(kind, big, rng, variant):
        enc.stdin.write(np.clip(f, 0, 255).astype(np.uint8).tobytes())
    enc.stdin.close()
    if enc.wait() != 0:
        raise SystemExit("ffmpeg failed on %s" % path)


def make_one(job):
    out, name, v, kind = job
    make_clip(os.path.join(out, clip_name(name, kind, v)), kind, name, photo(name, v), v)


def clip_name(name, kind, v):
    return "%s-%s-%d.flv" % (name, kind, v)


def main():
    out, half = sys.argv[1], sys.argv[2]
    variants = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    os.makedirs(out, exist_ok=True)
    jobs = [(out, name, v, kind) for name in HALVES[half] for v in range(variants)
            for kind in HEALTHY + FAULTS]
    # Two at a time: the encoders are single-threaded.
    with multiprocessing.Pool(2) as pool:
        pool.map(make_one, jobs, chunksize=4)
    with open(os.path.join(out, "labels.txt"), "w") as lab:
        for _, name, v, kind in jobs:
            lab.write("%s %s\n" % (clip_name(name, kind, v), kind))


if __name__ == "__main__":
    main()
