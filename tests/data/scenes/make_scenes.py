#!/usr/bin/python3
"""Writes the photographs the scene-reference tests compare (Debian's
python3-skimage data) as 320x180 8-bit PGM luma planes: a 16:9 crop of the
middle, scaled. Run from this folder; the results are committed."""
import numpy as np
from skimage import color, data, transform, util

PHOTOS = ["camera", "astronaut", "coffee", "chelsea", "rocket", "motorcycle_left"]

for name in PHOTOS:
    img = getattr(data, name)() if hasattr(data, name) else data.stereo_motorcycle()[0]
    img = util.img_as_float(img)
    if img.ndim == 3:
        img = color.rgb2gray(img[..., :3])
    h, w = img.shape
    ch = min(h, w * 9 // 16)
    cw = ch * 16 // 9
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    img = transform.resize(img[y0:y0 + ch, x0:x0 + cw], (180, 320), anti_aliasing=True)
    y = np.clip(16 + img * 219, 0, 255).astype(np.uint8)  # limited range, as cameras code it
    with open(name + ".pgm", "wb") as f:
        f.write(b"P5\n320 180\n255\n")
        f.write(y.tobytes())
