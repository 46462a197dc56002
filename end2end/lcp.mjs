// A benchmark's helper, not a test: Largest Contentful Paint of each page in Lighthouse's
// mobile preset (a mid-range phone on slow 4G, simulated), on Debian's Chromium, the median
// of RUNS runs. Reads a JSON list of {"url", "cookie"} on stdin (the cookie of the resident or
// admin the page is for, or ""), prints one JSON line per page: {"url", "lcp_ms", "runs"}.
// usage: echo '[{"url": "http://127.0.0.1:3207/", "cookie": ""}]' | node lcp.mjs
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";
import { CHROMIUM_FLAGS, pagesFromStdin } from "./bench-pages.mjs";

const RUNS = Number(process.env.LCP_RUNS || 3);
const MAX_FAILURES = 3;
const pages = await pagesFromStdin();
const chrome = await chromeLauncher.launch({ chromePath: "/usr/bin/chromium", chromeFlags: CHROMIUM_FLAGS });
try {
  for (const { url, cookie } of pages) {
    const runs = [];
    let failures = 0;
    for (let run = 0; run < RUNS; run++) {
      const result = await lighthouse(url, {
        port: chrome.port,
        output: "json",
        logLevel: "error",
        onlyCategories: ["performance"],
        // Lighthouse's defaults are the mobile preset: a Moto G Power's screen and CPU
        // (4x slower), and slow 4G (150 ms, 1.6 Mbps down), simulated.
        formFactor: "mobile",
        throttlingMethod: "simulate",
        extraHeaders: cookie ? { Cookie: cookie } : undefined,
      });
      const lcp = result.lhr.audits["largest-contentful-paint"].numericValue;
      if (typeof lcp !== "number") {
        // Lighthouse now and then fails to record a trace (NO_NAVSTART): that run again,
        // a few times at most.
        if (++failures <= MAX_FAILURES) { run--; continue; }
        throw new Error(`no LCP for ${url}: ${result.lhr.runtimeError?.message}`);
      }
      runs.push(lcp);
    }
    runs.sort((a, b) => a - b);
    console.log(JSON.stringify({ url, lcp_ms: Math.round(runs[Math.floor(runs.length / 2)]), runs: runs.map(Math.round) }));
  }
} finally {
  await chrome.kill();
}
