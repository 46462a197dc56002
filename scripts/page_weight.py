"""First-visit bytes of every page: the HTML and each file it loads (stylesheet, scripts,
wasm and the wasm chunks of its islands), as they cross the wire with brotli to Chromium at a
phone's size (end2end/weigh.mjs). Signs up a resident, files a report, starts paying a bill
and signs in an admin on the way, so the pages behind a sign-in are measured too. Every route
of app/src/lib.rs is weighed.

Printed by `make bench` (scripts/bench.sh). With --check (scripts/e2e.sh, part of `make
test`), it fails when a page's first visit is over the budget or a route of the app is not
weighed: bytes with brotli are the same on every run, so the budget is a test, not a figure.

usage: page_weight.py [--check] BASE_URL ADMIN_USER ADMIN_PASSWORD
"""

import json
import re
import sys
import urllib.parse
import urllib.request
import uuid

# Every page's first visit, so that fines, coaches and conversations fit beside what is
# here: an island of theirs is a chunk of its own (`#[island(lazy)]`), loaded only by
# their pages.
BUDGET = 80 * 1024
ROUTES_FILE = "app/src/lib.rs"
check = "--check" in sys.argv[1:]
base, admin_user, admin_password = [arg for arg in sys.argv[1:] if arg != "--check"][:3]
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


def pay_a_bill(opener):
    """Saves a demo electricity account, starts paying its bill, and returns the payment's
    page (left unpaid: its page shows it being confirmed)."""
    post_form(opener, "/c/shenzhen/bills/accounts", {
        "biller": "shenzhen-electricity", "number": "1000000001", "amount": "123.45",
        "label": "Home", "consent": "yes"})
    _, _, page = fetch(opener, "/c/shenzhen/bills")
    value = re.search(r'name="bill" id="[^"]*" value="([^"]+)"', page.decode()).group(1)
    post_form(opener, "/c/shenzhen/bills/pay", {"bill": value})
    _, _, mine = fetch(opener, "/me/payments")
    return re.search(r'href="(/me/payments/[0-9a-f-]{36})"', mine.decode()).group(1)


def doctor_pages(opener):
    """Adds the resident as a patient (one of the people the demo's carrier knows; the code
    sent to her mobile is left untyped) and returns the page where that code is typed and the
    doctor pages of a department and of a chosen time (tomorrow's first, left unbooked)."""
    _, headers, _ = post_form(opener, "/me/family", {
        "relation": "self", "name": "李娜", "sex": "female", "birth_date": "1988-04-12",
        "phone": "13912345678", "id_number": "440305198804120021"})
    family_code = headers["Location"]
    _, _, page = fetch(opener, "/c/shenzhen/doctors/shenzhen-peoples-hospital/internal")
    days = re.findall(r'href="(/c/shenzhen/doctors/shenzhen-peoples-hospital/internal\?day=[0-9-]+)"', page.decode())
    department = days[1]
    _, _, page = fetch(opener, department)
    slot = re.search(r'href="(/c/shenzhen/doctors/shenzhen-peoples-hospital/slots/[^"]+)"', page.decode()).group(1)
    return family_code, department, slot


def code_pages(resident):
    """The pages where a sent code is typed: after signing up (for a new visitor, returned
    with it), and after the resident adds a contact."""
    visitor = client()
    contact = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    _, headers, _ = post_form(visitor, "/signup", {"contact": contact, "password": "a long bench password"})
    signup_code = headers["Location"]
    added = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    _, headers, _ = post_form(resident, "/me/contact/add", {"contact": added})
    return visitor, signup_code, headers["Location"]


resident = signed_in_resident()
tracking, reference = file_report(resident)
payment = pay_a_bill(resident)
family_code, department, slot = doctor_pages(resident)
admin = signed_in_admin()
anonymous = client()
signing_up, signup_code, contact_code = code_pages(resident)
# (who, the route of app/src/lib.rs, the page weighed)
pages = [
    (anonymous, "/", "/"),
    (anonymous, "/c/:city", "/c/shenzhen"),
    (anonymous, "/c/:city/air", "/c/shenzhen/air"),
    (anonymous, "/c/:city/report", "/c/shenzhen/report"),
    (anonymous, "/c/:city/report", "/c/shenzhen/report?category=streetlight"),
    # The map with a place found by name (the address search, without script).
    (anonymous, "/c/:city/report", "/c/shenzhen/report?category=streetlight&place=Songgang"),
    (anonymous, "/c/:city/reports", "/c/shenzhen/reports"),
    (anonymous, "/r/:token", tracking),
    (anonymous, "/signin", "/signin"),
    (anonymous, "/signup", "/signup"),
    (signing_up, "/signup/verify", signup_code),
    (resident, "/me", "/me"),
    (resident, "/me/contact", contact_code),
    (resident, "/me/reports", "/me/reports"),
    (resident, "/me/reports/:reference", f"/me/reports/{reference}"),
    (resident, "/me/data", "/me/data"),
    (resident, "/inbox", "/inbox"),
    (resident, "/c/:city/consent/:service", "/c/shenzhen/consent/doctors?next=%2Fc%2Fshenzhen%2Fdoctors"),
    (resident, "/c/:city/bills", "/c/shenzhen/bills"),
    (resident, "/me/payments", "/me/payments"),
    (resident, "/me/payments/:id", payment),
    (anonymous, "/c/:city/cameras", "/c/shenzhen/cameras"),
    (anonymous, "/c/:city/cameras/:camera", "/c/shenzhen/cameras/futian-1"),
    (anonymous, "/c/:city/doctors", "/c/shenzhen/doctors"),
    (anonymous, "/c/:city/doctors/:hospital/:department", department),
    (resident, "/c/:city/doctors/:hospital/slots/:slot", slot),
    (resident, "/me/appointments", "/me/appointments"),
    (resident, "/me/family", "/me/family"),
    (resident, "/me/family/code", family_code),
    (anonymous, "/_demo/outbox", "/_demo/outbox"),
    (anonymous, "/admin/signin", "/admin/signin"),
    (admin, "/admin", "/admin"),
    (admin, "/admin/c/:city", "/admin/c/shenzhen"),
    (admin, "/admin/c/:city/health", "/admin/c/shenzhen/health"),
    (admin, "/admin/c/:city/audit", "/admin/c/shenzhen/audit"),
    (admin, "/admin/c/:city/payments", "/admin/c/shenzhen/payments"),
    (admin, "/admin/admins", "/admin/admins"),
]
def in_browser(script):
    """Runs end2end/`script` over every page (with the cookie of who it is for) and returns
    {path: its JSON line}."""
    import subprocess
    asked = [
        {"url": base + path, "cookie": "; ".join(f"{k}={v}" for k, v in opener.cookies.items())}
        for opener, _, path in pages
    ]
    answer = subprocess.run(
        ["node", script], cwd="end2end", input=json.dumps(asked), capture_output=True, text=True
    )
    if answer.returncode != 0:
        raise SystemExit(f"end2end/{script} failed:\n{answer.stderr}")
    found = [json.loads(line) for line in answer.stdout.splitlines() if line.startswith("{")]
    return {item["url"][len(base):]: item for item in found}


weighed = in_browser("weigh.mjs")
not_the_page = [
    f"{path} (answered {item['status']}, ended at {item['landed'][len(base):]})"
    for path, item in weighed.items()
    if item["status"] != 200 or item["landed"] != base + path
]
if not_the_page:
    raise SystemExit("pages not weighed as asked: " + "; ".join(not_the_page))
weights = [(path, {k: weighed[path][k] for k in ("HTML", "CSS", "JS", "wasm")}) for _, _, path in pages]
# Times are figures for `make bench`, never part of the test.
paints = {} if check else {path: item["lcp_ms"] for path, item in in_browser("lcp.mjs").items()}
print(f"{'page':44} {'HTML':>7} {'CSS':>7} {'JS':>7} {'wasm':>7} {'total':>9}" + ("" if check else f" {'LCP':>8}")
      + f"  (bytes, brotli; budget {BUDGET // 1024} KiB" + ("" if check else "; LCP: Lighthouse mobile, median of 3") + ")")
heaviest, over_budget = 0, []
for path, by_kind in weights:
    total = sum(by_kind.values())
    heaviest = max(heaviest, total)
    over = ""
    if total > BUDGET:
        over = "  OVER BUDGET"
        over_budget.append(path)
    shown = path if len(path) <= 44 else path[:41] + "..."
    paint = "" if check else f" {paints.get(path, 0) / 1000:7.2f}s"
    print(
        f"{shown:44} {by_kind.get('HTML', 0):7d} {by_kind.get('CSS', 0):7d} {by_kind.get('JS', 0):7d} "
        f"{by_kind.get('wasm', 0):7d} {total:9d}{paint}  {total / 1024:5.1f} KiB{over}"
    )
print(f"heaviest first visit: {heaviest / 1024:.1f} KiB of {BUDGET // 1024} KiB")
if paints:
    print(f"slowest LCP: {max(paints.values()) / 1000:.2f} s")

with open(ROUTES_FILE, encoding="utf-8") as routes:
    declared = set(re.findall(r'path!\("([^"]+)"\)', routes.read()))
unweighed = sorted(declared - {route for _, route, _ in pages})
if unweighed:
    print(f"routes of {ROUTES_FILE} not weighed: {', '.join(unweighed)}")
if check and (over_budget or unweighed or not declared):
    if over_budget:
        print(f"over the {BUDGET // 1024} KiB budget: {', '.join(over_budget)}")
    if not declared:
        print(f"no routes found in {ROUTES_FILE}: has the router moved?")
    sys.exit(1)
