#!/usr/bin/python3
"""Compares camdex's verdicts with what camfarm did to each camera.

camfarm --faults-out FILE writes each camera's mode at start; camdex list
--format json says what camdex made of it. VERDICTS below is the one table
of what each mode must come out as, after a sweep (tier 1, the handshake
at the configured depth, describe by default) and after a sweep --deep
(tier 2 too). Any camera whose verdict is not in its mode's row is a
mismatch: camdex called it something camfarm did not make it.

Usage: farmtruth.py --truth FAULTS.csv --inventory FLEET.csv --verdicts LIST.json
                    [--deep] [--json]
       farmtruth.py --table        (the table in Markdown, for the README)
       farmtruth.py --modes        (the modes of the table, a JSON list)
Exit 0 when every camera matches, 1 when one does not, 2 on bad input.
"""
import argparse
import csv
import json
import sys

# mode -> (after sweep, after sweep --deep): the verdicts allowed, each
# "state" or "state/reason". Markers: "@size" (the row names a resolution)
# and "@fps" (the row names a frame rate) pick an alternative when the
# inventory lets camdex judge it; see expected().
VERDICTS = {
    "ok": (["online"], ["online"]),
    "refused": (["offline/connect_reset"], ["offline/connect_reset"]),
    "blackhole": (["offline/rtsp_timeout"], ["offline/rtsp_timeout"]),
    "syn_drop": (["offline/connect_timeout"], ["offline/connect_timeout"]),
    "silent": (["offline/rtsp_timeout"], ["offline/rtsp_timeout"]),
    # Each reply 2 s late: the handshake's two requests fit its 3 s reply
    # deadline (a loaded machine may miss it); libav's five requests (10 s)
    # never fit the deep look's 8 s.
    "slow": (["online", "offline/rtsp_timeout"], ["offline/rtsp_timeout"]),
    # DESCRIBE is answered: a describe-depth handshake cannot tell.
    "stall_describe": (["online"], ["offline/rtsp_timeout"]),
    "no_rtp": (["online"], ["offline/no_media"]),
    # Media stops 5 s after PLAY: a look done by then sees a healthy
    # stream, a look slowed down by a busy machine sees none.
    "rtp_stop": (["online"], ["online", "offline/no_media"]),
    "bad_auth": (["offline/auth_failed"], ["offline/auth_failed"]),
    "not_found": (["offline/not_found"], ["offline/not_found"]),
    "error_500": (["offline/server_error"], ["offline/server_error"]),
    "error_503": (["offline/server_error"], ["offline/server_error"]),
    # Slots are taken at SETUP, which only the deep look reaches.
    "session_limit": (["online"], ["offline/session_limit"]),
    # To camera #ARG (the next one), which camdex follows: credentials are
    # never sent to another host, so a camera there that wants them is
    # asked in vain; otherwise (the same host, a camera without a password,
    # one that fails before it asks) camdex says what that camera is: see
    # redirect_target().
    "redirect": (["offline/auth_failed"], ["offline/auth_failed"]),
    "redirect_loop": (["offline/redirect_loop"], ["offline/redirect_loop"]),
    # Up 30 s, down 30 s: either, depending on when the looks came. libav
    # reports the reset of its reply as invalid data.
    "flap": (["online", "offline/connect_reset"],
             ["online", "offline/connect_reset", "offline/protocol_error"]),
    "garbage": (["offline/protocol_error"], ["offline/protocol_error"]),
    "big_headers": (["offline/protocol_error"], ["offline/protocol_error"]),
    "slowloris": (["offline/rtsp_timeout"], ["offline/rtsp_timeout"]),
    "bad_sdp": (["offline/protocol_error"], ["offline/protocol_error"]),
    "truncated_sdp": (["offline/no_media"], ["offline/no_media"]),
    "bad_length": (["offline/rtsp_timeout"], ["offline/rtsp_timeout"]),
    "early_rtp": (["online"], ["online"]),
    "options_first": (["online"], ["online"]),
    # Only a deep look judges the picture.
    "black": (["online"], ["degraded/black"]),
    "frozen": (["online"], ["degraded/frozen"]),
    "blurred": (["online"], ["degraded/blurred"]),
    "noisy": (["online"], ["degraded/noisy"]),
    "low_fps": (["online"], ["@fps degraded/low_fps", "online"]),
    "resolution": (["online"], ["@size degraded/resolution_mismatch", "online"]),
    # The clock faults change only the RTCP sender reports: the clock check
    # is apart from the state.
    "clock_skew": (["online"], ["online"]),
    "no_sr": (["online"], ["online"]),
    # Picture faults on photographs (640x360 whatever the row says): a deep
    # look finds the fault, which comes before the size. SMPTE bars are an
    # encoder's test screen too.
    "signal_lost": (["online"], ["degraded/signal_lost"]),
    "bars": (["online"], ["degraded/signal_lost"]),
    "too_bright": (["online"], ["degraded/too_bright"]),
    "occluded": (["online"], ["degraded/occluded"]),
    "color_cast": (["online"], ["degraded/color_cast"]),
    "stripes": (["online"], ["degraded/stripes"]),
    "shaking": (["online"], ["degraded/shaking"]),
    "scene_changed": (["online"], ["degraded/*", "online"]),
    "osd_wrong": (["online"], ["degraded/*", "online"]),
}


def allows(allowed, got):
    """Whether `got` is one of the allowed verdicts ("degraded/*": any
    degraded one)."""
    return got in allowed or ("degraded/*" in allowed and got.startswith("degraded"))


def expected(mode, deep, has_size, has_fps):
    """The verdicts allowed for a camera in `mode`; None for an unknown mode.
    A "@size"/"@fps" alternative is the only one allowed when the row names
    a size/rate (camdex can judge), and excluded when it does not."""
    row = VERDICTS.get(mode)
    if row is None:
        return None
    allowed = row[1 if deep else 0]
    marked = [a for a in allowed if a.startswith("@")]
    if not marked:
        return allowed
    for a in marked:
        marker, verdict = a.split(" ", 1)
        if (marker == "@size" and has_size) or (marker == "@fps" and has_fps):
            return [verdict]
    return [a for a in allowed if not a.startswith("@")]


def redirect_target(t, by_index, inventory):
    """The camera (truth row, inventory row) a `redirect` camera sends its
    client to, or None."""
    target = by_index.get(int(t.get("arg") or 0) or int(t["index"]) + 1)
    if target is None or target["id"] not in inventory:
        return None
    return target, inventory[target["id"]]


def verdict_of(cam):
    state, reason = cam.get("state", ""), cam.get("reason") or ""
    return state if state in ("online", "unknown") or not reason else state + "/" + reason


def read_inputs(args):
    with open(args.truth, newline="", encoding="utf-8") as f:
        truth = {r["id"]: r for r in csv.DictReader(f)}
    with open(args.inventory, newline="", encoding="utf-8-sig") as f:
        inventory = {r["id"]: r for r in csv.DictReader(f)}
    with open(args.verdicts, encoding="utf-8") as f:
        verdicts = {c["id"]: c for c in json.load(f)}
    return truth, inventory, verdicts


def compare(truth, inventory, verdicts, deep):
    """Per camera of the inventory: the mismatches, the count of each
    verdict per mode, and what camdex said of cameras camfarm does not serve."""
    mismatches, by_mode, not_served = [], {}, {}
    by_index = {int(t["index"]): t for t in truth.values()}
    for cid, row in inventory.items():
        cam = verdicts.get(cid)
        got = verdict_of(cam) if cam else "missing"
        t = truth.get(cid)
        scheme = row.get("url", "").split("://", 1)[0]
        if t is None or scheme not in ("rtsp", "rtsps"):
            # HLS, HTTP-FLV, RTMP rows: the table is of RTSP cameras (what
            # each platform protocol's modes come out as is checked by
            # tests/integration/test_platform_streams.c). Counted under
            # "platform:SCHEME" so every camera camfarm lists is accounted for.
            if t is not None:
                by_mode.setdefault("platform:" + scheme, {}).setdefault(got, 0)
                by_mode["platform:" + scheme][got] += 1
            not_served.setdefault(scheme, {}).setdefault(got, 0)
            not_served[scheme][got] += 1
            continue
        mode = t["mode"]
        allowed = expected(mode, deep, bool(row.get("resolution")), bool(row.get("fps")))
        followed = redirect_target(t, by_index, inventory) if mode == "redirect" else None
        if followed and followed[0]["mode"] != "redirect":
            target, trow = followed
            allowed = allowed + expected(target["mode"], deep, bool(trow.get("resolution")),
                                         bool(trow.get("fps")))
        by_mode.setdefault(mode, {}).setdefault(got, 0)
        by_mode[mode][got] += 1
        if allowed is None or not allows(allowed, got):
            mismatches.append({"id": cid, "mode": mode, "clip": t.get("clip", ""),
                               "got": got, "allowed": allowed or [],
                               "detail": (cam or {}).get("detail", "")})
    return mismatches, by_mode, not_served


def print_report(mismatches, by_mode, not_served, deep, out):
    tier = "sweep --deep" if deep else "sweep"
    served = sum(sum(v.values()) for v in by_mode.values())
    out.write(f"{served} cameras served by camfarm, verdicts after {tier}:\n")
    for mode in sorted(by_mode, key=lambda m: (m != "ok", -sum(by_mode[m].values()), m)):
        got = ", ".join(f"{v} {n}" for v, n in sorted(by_mode[mode].items(), key=lambda x: -x[1]))
        out.write(f"  {mode:<15} {sum(by_mode[mode].values()):>6}  {got}\n")
    for scheme, got in sorted(not_served.items()):
        got_s = ", ".join(f"{v} {n}" for v, n in sorted(got.items(), key=lambda x: -x[1]))
        out.write(f"  not served ({scheme}) {sum(got.values())}: {got_s}\n")
    out.write(f"{len(mismatches)} cameras with a verdict their mode does not allow\n")
    for m in mismatches[:50]:
        out.write(f"  {m['id']} {m['mode']} ({m['clip']}): {m['got']}, expected "
                  f"{' or '.join(m['allowed'])}: {m['detail']}\n")


def print_table(out):
    out.write("| camfarm mode | after `camdex sweep` | after `camdex sweep --deep` |\n")
    out.write("|---|---|---|\n")
    for mode, (t1, t2) in VERDICTS.items():
        def cell(allowed):
            return " or ".join(a.replace("@size ", "(row has a resolution) ")
                               .replace("@fps ", "(row has an fps) ") for a in allowed)
        out.write(f"| `{mode}` | {cell(t1)} | {cell(t2)} |\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truth")
    ap.add_argument("--inventory")
    ap.add_argument("--verdicts")
    ap.add_argument("--deep", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--modes", action="store_true")
    args = ap.parse_args()
    if args.modes:
        json.dump(list(VERDICTS), sys.stdout)
        sys.stdout.write("\n")
        return 0
    if args.table:
        print_table(sys.stdout)
        return 0
    if not (args.truth and args.inventory and args.verdicts):
        ap.error("--truth, --inventory and --verdicts are needed (or --table)")
    try:
        truth, inventory, verdicts = read_inputs(args)
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write(f"farmtruth: {e}\n")
        return 2
    mismatches, by_mode, not_served = compare(truth, inventory, verdicts, args.deep)
    if args.json:
        json.dump({"mismatches": mismatches, "by_mode": by_mode, "not_served": not_served},
                  sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_report(mismatches, by_mode, not_served, args.deep, sys.stdout)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
