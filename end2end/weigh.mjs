// The first visit to each page as a phone's browser makes it (Debian's Chromium, 360x780,
// nothing cached): the bytes on the wire of the HTML and of every stylesheet, script and
// wasm file the site sends for it, including the wasm chunks its islands load. Reads a JSON
// list of {"url", "cookie"} on stdin (the cookie of the resident or admin the page is for,
// or ""), prints one JSON line per page: {"url", "status", "landed", "HTML", "CSS", "JS",
// "wasm"}, the sizes in bytes, `landed` the address the browser ended on.
// Run by scripts/page_weight.py.
import { chromium } from "@playwright/test";
import { CHROMIUM_FLAGS, pagesFromStdin } from "./bench-pages.mjs";

const pages = await pagesFromStdin();
const KINDS = { css: "CSS", js: "JS", mjs: "JS", wasm: "wasm" };

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
// A few pages at a time: each waits mostly for the network to fall quiet.
const AT_ONCE = 4;
async function weigh({ url, cookie }) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 780 },
    extraHTTPHeaders: cookie ? { Cookie: cookie } : {},
  });
  try {
    const page = await context.newPage();
    const origin = new URL(url).origin;
    const sizes = { HTML: 0, CSS: 0, JS: 0, wasm: 0 };
    const counted = [];
    page.on("requestfinished", (request) => {
      const address = new URL(request.url());
      if (address.origin !== origin) return;
      const kind = request.isNavigationRequest() && request.frame() === page.mainFrame()
        ? "HTML"
        : KINDS[address.pathname.split(".").pop()];
      if (kind) counted.push(request.sizes().then((s) => (sizes[kind] += s.responseBodySize)));
    });
    // The islands' code loads when the browser is idle after the page: wait until nothing
    // more comes.
    const response = await page.goto(url, { waitUntil: "networkidle" });
    await Promise.all(counted);
    // What was weighed: a page that failed or sent the browser elsewhere is not the page.
    return { url, status: response?.status() ?? 0, landed: page.url(), ...sizes };
  } finally {
    await context.close();
  }
}

try {
  const results = new Array(pages.length);
  let next = 0;
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    while (next < pages.length) {
      const index = next++;
      results[index] = await weigh(pages[index]);
    }
  }));
  for (const result of results) console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
