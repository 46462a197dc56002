"""First-visit bytes of every page: the HTML and each file it loads (stylesheet, script,
wasm), as they cross the wire with brotli. Signs up a resident, files a report, starts paying
a bill and signs in an admin on the way, so the pages behind a sign-in are measured too. A benchmark, run by
scripts/bench.sh: it prints figures and checks nothing.

usage: page_weight.py BASE_URL ADMIN_USER ADMIN_PASSWORD
"""

import json
import re
import sys
import urllib.parse
import urllib.request
import uuid

BUDGET = 100 * 1024
base, admin_user, admin_password = sys.argv[1:4]
# The portal's own origin (PUBLIC_URL's default), which every form post must come from.
origin = base.replace("127.0.0.1", "localhost")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser of sorts: keeps the cookies it is given (the session's are `Secure`, which
    Python's cookie jar would never send over plain HTTP to a loopback address)."""

    def __init__(self):
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect)


def client():
    return Client()


def fetch(opener, path, encoding="identity", data=None, headers=None):
    request = urllib.request.Request(base + path, data=data, headers=headers or {})
    request.add_header("Accept-Encoding", encoding)
    request.add_header("Origin", origin)
    if opener.cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in opener.cookies.items()))
    try:
        response = opener.opener.open(request)
    except urllib.error.HTTPError as answer:
        response = answer
    with response:
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            opener.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers, response.read()


def post_form(opener, path, fields):
    body = urllib.parse.urlencode(fields).encode()
    return fetch(opener, path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def signed_in_resident():
    opener = client()
    contact = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    _, headers, _ = post_form(opener, "/signup", {"contact": contact, "password": "a long bench password"})
    pending = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)["pending"][0]
    _, _, outbox = fetch(opener, "/_demo/outbox")
    card = next(item for item in outbox.decode().split("<li") if f'data-to="{contact}"' in item)
    code = re.search(r"\b(\d{6})\b", card).group(1)
    post_form(opener, "/signup/verify", {"pending": pending, "code": code})
    return opener


def file_report(opener):
    boundary = "bench-boundary"
    fields = {
        "category": "streetlight",
        "submission": str(uuid.uuid4()),
        "lat": "22.5431",
        "lon": "114.0579",
        "attribute[light_state]": "off",
        "description": "Dark all night at the bus stop.",
    }
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ) + f"--{boundary}--\r\n"
    status, _, answer = fetch(
        opener,
        "/c/shenzhen/report",
        data=body.encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"},
    )
    if status != 201:
        raise SystemExit(f"the bench's report was refused ({status}): {answer[:500]!r}")
    filed = json.loads(answer)
    return filed["location"], filed["reference"]


def signed_in_admin():
    opener = client()
    post_form(opener, "/admin/signin", {"username": admin_user, "password": admin_password})
    return opener


def weigh(opener, path):
    _, _, page = fetch(opener, path)
    html = page.decode()
    assets = []
    for pattern in (r'href="(/pkg/[^"]*\.css)"', r'href="(/pkg/[^"]*\.js)"', r'href="(/pkg/[^"]*\.wasm)"'):
        found = re.search(pattern, html)
        if found:
            assets.append(found.group(1))
    parts = [("HTML", path)] + [(asset.rsplit(".", 1)[1].upper(), asset) for asset in assets]
    sizes = []
    for _, url in parts:
        _, headers, body = fetch(opener, url, encoding="br")
        sizes.append(len(body))
    return parts, sizes


def pay_a_bill(opener):
    """Saves a demo electricity account, starts paying its bill, and returns the payment's
    page (left unpaid: its page shows it being confirmed)."""
    post_form(opener, "/c/shenzhen/bills/accounts", {
        "biller": "shenzhen-electricity", "number": "1000000001", "label": "Home", "consent": "yes"})
    _, _, page = fetch(opener, "/c/shenzhen/bills")
    value = re.search(r'name="bill" id="[^"]*" value="([^"]+)"', page.decode()).group(1)
    post_form(opener, "/c/shenzhen/bills/pay", {"bill": value})
    _, _, mine = fetch(opener, "/me/payments")
    return re.search(r'href="(/me/payments/[0-9a-f-]{36})"', mine.decode()).group(1)


def doctor_pages(opener):
    """Adds the resident as a patient and returns the doctor pages of a department and of a
    chosen time (tomorrow's first, left unbooked)."""
    post_form(opener, "/me/family", {
        "relation": "self", "name": "王芳", "sex": "female", "birth_date": "1949-12-31",
        "phone": "13800138000", "id_number": "11010519491231002X"})
    _, _, page = fetch(opener, "/c/shenzhen/doctors/shenzhen-peoples-hospital/internal")
    days = re.findall(r'href="(/c/shenzhen/doctors/shenzhen-peoples-hospital/internal\?day=[0-9-]+)"', page.decode())
    department = days[1]
    _, _, page = fetch(opener, department)
    slot = re.search(r'href="(/c/shenzhen/doctors/shenzhen-peoples-hospital/slots/[^"]+)"', page.decode()).group(1)
    return department, slot


resident = signed_in_resident()
tracking, reference = file_report(resident)
payment = pay_a_bill(resident)
department, slot = doctor_pages(resident)
admin = signed_in_admin()
anonymous = client()
pages = [
    (anonymous, "/"),
    (anonymous, "/c/shenzhen"),
    (anonymous, "/c/shenzhen/air"),
    (anonymous, "/c/shenzhen/report"),
    (anonymous, "/c/shenzhen/report?category=streetlight"),
    (anonymous, "/c/shenzhen/reports"),
    (anonymous, tracking),
    (anonymous, "/signin"),
    (anonymous, "/signup"),
    (resident, "/me"),
    (resident, "/me/reports"),
    (resident, f"/me/reports/{reference}"),
    (resident, "/me/data"),
    (resident, "/inbox"),
    (resident, "/c/shenzhen/bills"),
    (resident, "/me/payments"),
    (resident, payment),
    (anonymous, "/c/shenzhen/cameras"),
    (anonymous, "/c/shenzhen/cameras/futian-1"),
    (anonymous, "/c/shenzhen/doctors"),
    (anonymous, department),
    (resident, slot),
    (resident, "/me/appointments"),
    (resident, "/me/family"),
    (anonymous, "/admin/signin"),
    (admin, "/admin"),
    (admin, "/admin/c/shenzhen"),
    (admin, "/admin/c/shenzhen/health"),
    (admin, "/admin/c/shenzhen/audit"),
    (admin, "/admin/c/shenzhen/payments"),
    (admin, "/admin/admins"),
]
print(f"{'page':44} {'HTML':>7} {'CSS':>7} {'JS':>7} {'wasm':>7} {'total':>9}  (bytes, brotli; budget {BUDGET // 1024} KB)")
heaviest = 0
for opener, path in pages:
    parts, sizes = weigh(opener, path)
    by_kind = {kind: size for (kind, _), size in zip(parts, sizes)}
    total = sum(sizes)
    heaviest = max(heaviest, total)
    over = "  OVER BUDGET" if total > BUDGET else ""
    shown = path if len(path) <= 44 else path[:41] + "..."
    print(
        f"{shown:44} {by_kind.get('HTML', 0):7d} {by_kind.get('CSS', 0):7d} {by_kind.get('JS', 0):7d} "
        f"{by_kind.get('WASM', 0):7d} {total:9d}  {total / 1024:5.1f} KB{over}"
    )
print(f"heaviest first visit: {heaviest / 1024:.1f} KB of {BUDGET // 1024} KB")
