"""The cameras page's first visit: the HTML and each file it loads (stylesheet, script,
wasm) as they cross the wire with brotli, plus the pictures in the first screen (their
addresses on stdin, as the browser found them at 360 x 780). A benchmark, run by
scripts/bench.sh: it prints figures and checks nothing.

usage: camera_weight.py BASE_URL PATH < first-screen-pictures
"""

import re
import sys
import urllib.request

base, path = sys.argv[1:3]
pictures = [line.strip() for line in sys.stdin if line.strip()]


def size(url, encoding="br"):
    request = urllib.request.Request(base + url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request) as response:
        return len(response.read())


html_bytes = size(path)
with urllib.request.urlopen(urllib.request.Request(base + path)) as response:
    html = response.read().decode()
rows = [("HTML", html_bytes)]
for kind, pattern in (("CSS", r'href="(/pkg/[^"]*\.css)"'), ("JS", r'href="(/pkg/[^"]*\.js)"'),
                      ("wasm", r'href="(/pkg/[^"]*\.wasm)"')):
    found = re.search(pattern, html)
    if found:
        rows.append((kind, size(found.group(1))))
picture_bytes = [size(url, "identity") for url in pictures]
rows.append((f"{len(pictures)} pictures in the first screen", sum(picture_bytes)))
for label, count in rows:
    print(f"{label:34} {count:9d} bytes")
total = sum(count for _, count in rows)
print(f"{'first visit':34} {total:9d} bytes  {total / 1024:5.1f} KB"
      + (f"  (pictures {min(picture_bytes)}-{max(picture_bytes)} bytes each)" if picture_bytes else ""))
