import AxeBuilder from "@axe-core/playwright";
import { expect, Page } from "@playwright/test";

/** axe-core finds no WCAG 2.x A/AA violation on the page as it is now. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

/** Sets the built-in OpenAQ simulator's fault mode through the demo's knob. */
export async function setAirFault(page: Page, fault: object) {
  // A state-changing request: it must come from the portal's own origin.
  const origin = new URL(page.url() === "about:blank" ? process.env.BASE_URL ?? "http://localhost:3000" : page.url()).origin;
  const response = await page.request.post("/_demo/faults/openaq", { data: fault, headers: { Origin: origin } });
  expect(response.status()).toBe(204);
}

/** Collects console errors, each with the address of the page it came from, so a test can
 * assert there were none. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    // The browser tests run offline: the map's tiles (through the portal's proxy) cannot
    // load, and the map shows the districts' outlines instead, as it should.
    const offlineTile = message.location().url.includes("/tiles/");
    if (message.type() === "error" && !offlineTile) errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}

/** The page is no wider than the phone: nothing on it scrolls the page sideways. */
export async function expectNoSidewaysScroll(page: Page) {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    screen: window.innerWidth,
  }));
  expect(widths.page, `${page.url()} is ${widths.page} px wide`).toBeLessThanOrEqual(widths.screen);
  // Nor is any date broken at its hyphens over two lines.
  const broken = await page.locator("time.when").evaluateAll((times) =>
    times.filter((t) => t.getClientRects().length > 1).map((t) => t.textContent),
  );
  expect(broken, `dates broken on ${page.url()}`).toEqual([]);
}

/** The newest 6-digit code the demo's notification simulator was asked to send to `to`. */
export async function codeSentTo(page: Page, to: string): Promise<string> {
  const html = await (await page.request.get("/_demo/outbox")).text();
  // Newest first: the first message to this address holds the code.
  const card = html.split("<li").find((item) => item.includes(`data-to="${to}"`));
  const code = card?.match(/\b(\d{6})\b/)?.[1];
  expect(code, `a code sent to ${to}`).toBeTruthy();
  return code as string;
}

/** Signs up through the forms and returns with the resident signed in. */
export async function signUp(page: Page, contact: string, password: string) {
  await page.goto("/signup");
  await page.getByLabel(/手机号或电子邮箱|Mobile number or email/).fill(contact);
  await page.locator("#password").fill(password);
  await page.getByRole("button", { name: /发送验证码|Send me a code/ }).click();
  await expect(page).toHaveURL(/\/signup\/verify/);
  const code = await codeSentTo(page, contact);
  await page.locator("#code").fill(code);
  await page.getByRole("button", { name: /确认|Confirm/ }).click();
  // "My reports" first when this browser filed reports before: they are offered there.
  await expect(page).toHaveURL(/\/me(\/reports)?$/);
}
