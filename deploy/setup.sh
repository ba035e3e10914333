#!/usr/bin/env bash
# Installs the Debian packages that camdex's build, tests and demo need.
# Idempotent: packages already present are left alone and apt is not asked.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libuv1-dev libc-ares-dev liblmdb-dev libavformat-dev libavcodec-dev libavutil-dev
  libjansson-dev libcsv-dev libsystemd-dev
  libh2o-dev libssl-dev  # HTTP API (h2o on libuv; its headers include OpenSSL's)
  libcurl4-openssl-dev   # webhooks (libcurl's multi interface; HMAC from OpenSSL)
  libxlsxwriter-dev  # workbooks (--format xlsx)
  libutf8proc-dev  # display widths of CJK text in tables and workbooks, with no locale installed
  zlib1g-dev  # reference pictures as PNG for the dashboard (deflate, CRC)
  libnats-dev  # [cluster]: zone probers and the central talk through NATS JetStream (nats.c)
  # tests and benchmarks
  libcriterion-dev lmdb-utils ffmpeg hyperfine wrk
  liburing-dev  # camfarm_bench_uring, the simulator's cheaper load generator
  prometheus  # promtool checks /metrics
  python3-openpyxl  # reads the workbooks camdex writes back in the tests
  tzdata  # the day zone tests read Asia/Shanghai and zones with daylight saving
  nats-server  # the cluster tests start real NATS JetStream servers (one, and a three-node cluster)
  # a real RTSP server nobody here wrote, for the prober's tests
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav
  openssl  # a self-signed certificate for the RTSPS tests, made at test time
  # the dashboard's browser test (tests/dashboard/): a real browser, node to
  # drive it, and a CJK font so Chinese names render in its screenshot
  chromium nodejs fonts-wqy-microhei
  # the OSD module (camdex-osd.so): Tesseract with its Chinese and English
  # models; its test burns OSDs into real photographs with CJK fonts
  libtesseract-dev tesseract-ocr-chi-sim tesseract-ocr-eng
  python3-skimage fonts-wqy-zenhei fonts-noto-cjk
  # the labelled picture set (tests/probes/picture_set/): real photographs
  # (python3-skimage's data) and filters
  python3-scipy python3-pil
  # ...and more photographs for its tuning half (a frame of its cockatoo video)
  python3-imageio
  # the package test (tests/deploy/): dpkg-shlibdeps for the dependencies,
  # systemd-analyze verify on the installed unit
  dpkg-dev systemd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# npm installs the browser test's driver (playwright-core). Some nodejs
# builds carry npm and conflict with Debian's npm package; Debian's own
# nodejs does not carry it. Ask for the package only where npm is missing.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run this script as root (or with sudo) to install them" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
