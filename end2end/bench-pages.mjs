// What the benchmark helpers (weigh.mjs, lcp.mjs) share: the pages they are given and how
// Debian's Chromium is started on this closed machine.

// The flags the browser tests use (playwright.config.ts): no network of Chromium's own.
export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** The JSON list of {"url", "cookie"} on stdin. */
export async function pagesFromStdin() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return JSON.parse(text);
}
