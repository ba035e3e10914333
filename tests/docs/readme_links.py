#!/usr/bin/python3
"""Every relative link in the project's Markdown files resolves: the file
or folder exists, and a #fragment names a heading of the Markdown file it
points at (anchors as GitHub makes them from headings). External links
(a scheme such as https:) are not followed.

usage: readme_links.py REPO_ROOT   (exit 1 with one line per broken link)
"""
import os
import re
import subprocess
import sys

LINK = re.compile(r"\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose_lines(text):
    """The lines outside fenced code blocks, with inline code removed."""
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield re.sub(r"`[^`]*`", "", line)


def anchors(text):
    """GitHub's anchors for the headings: lower case, punctuation but
    hyphens and underscores dropped, spaces as hyphens, -1, -2... for
    repeats."""
    seen, out = {}, set()
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if fenced or not m:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))
        slug = re.sub(r"[^\w\- ]", "", title.lower().replace("`", "")).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    files = subprocess.run(["git", "-C", root, "ls-files", "*.md"], check=True,
                           capture_output=True, text=True).stdout.split()
    cache, broken, checked = {}, [], 0

    def text_of(path):
        if path not in cache:
            with open(path, encoding="utf-8") as f:
                cache[path] = f.read()
        return cache[path]

    for rel in files:
        path = os.path.join(root, rel)
        for line in prose_lines(text_of(path)):
            for m in LINK.finditer(line):
                target = m.group(1)
                if SCHEME.match(target):
                    continue
                checked += 1
                dest, _, frag = target.partition("#")
                full = os.path.normpath(os.path.join(os.path.dirname(path), dest)) if dest else path
                if not os.path.exists(full):
                    broken.append(f"{rel}: {target}: no such file or folder")
                    continue
                if frag and full.endswith(".md") and frag not in anchors(text_of(full)):
                    broken.append(f"{rel}: {target}: no heading makes the anchor #{frag}")
    for b in broken:
        print(b)
    print(f"{len(files)} Markdown files, {checked} relative links, {len(broken)} broken",
          file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
