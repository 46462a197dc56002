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
  const response = await page.request.post("/_demo/faults/openaq", { data: fault });
  expect(response.status()).toBe(204);
}

/** Collects console errors so a test can assert there were none. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}
