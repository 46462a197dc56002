import { defineConfig } from "@playwright/test";

// Debian's Chromium, never a downloaded browser; a phone-sized viewport.
export default defineConfig({
  testDir: "./tests",
  // The tests share one server and its simulator's fault knobs: one at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  reporter: [["list"]],
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    viewport: { width: 360, height: 780 },
    locale: "zh-CN",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium-phone" }],
});
