// A benchmark's helper, not a test: opens a page at a phone's size in Debian's Chromium and
// prints the pictures a resident sees without scrolling (their addresses, one a line) and,
// on stderr, how many pictures the browser fetched in all (the rest wait for a scroll).
// usage: BASE_URL=http://127.0.0.1:3207 node first-screen.mjs /c/shenzhen/cameras
import { chromium } from "@playwright/test";

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage({ viewport: { width: 360, height: 780 } });
  await page.goto(process.env.BASE_URL + process.argv[2], { waitUntil: "networkidle" });
  const seen = await page.evaluate(() =>
    [...document.querySelectorAll("img")]
      .filter((img) => img.getBoundingClientRect().top < window.innerHeight)
      .map((img) => new URL(img.currentSrc || img.src).pathname + new URL(img.currentSrc || img.src).search),
  );
  const fetched = await page.evaluate(
    () => performance.getEntriesByType("resource").filter((e) => e.initiatorType === "img").length,
  );
  const all = await page.locator("img").count();
  console.log(seen.join("\n"));
  console.error(`pictures fetched on a first visit: ${fetched} of ${all} on the page`);
} finally {
  await browser.close();
}
