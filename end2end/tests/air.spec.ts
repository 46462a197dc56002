import { expect, test } from "@playwright/test";
import { expectAccessible, setAirFault } from "./helpers";

test.use({ locale: "en-US" });

// First, before anything is cached for Foshan: with the provider failing the page still
// renders, with a plain message.
test("air page says data is unavailable when the provider fails", async ({ page }) => {
  await setAirFault(page, { mode: "http500" });
  try {
    const response = await page.goto("/c/foshan/air");
    expect(response?.status()).toBe(200);
    await expect(page.getByText("Air quality data is unavailable right now")).toBeVisible();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Air quality");
  } finally {
    await setAirFault(page, { mode: "ok" });
  }
});

test("air page shows the simulator's stations with their AQI", async ({ page }) => {
  await page.goto("/c/shenzhen");
  await page.locator("a.tile[data-service=air]").click();
  await expect(page).toHaveURL(/\/c\/shenzhen\/air$/);
  const stations = page.locator("li.station");
  // One simulated station per Shenzhen district.
  await expect(stations).toHaveCount(9);
  const first = stations.first();
  await expect(first.locator(".aqi-value")).toHaveText(/^\d{1,3}$/);
  await expect(first.locator("dt").first()).toHaveText("PM2.5");
  await expect(first.locator("time")).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await expectAccessible(page);
});

test("the resident's district comes first", async ({ page }) => {
  await page.goto("/c/shenzhen");
  await page.locator("#region").selectOption("nanshan");
  await page.getByRole("button", { name: "Set" }).click();
  await page.goto("/c/shenzhen/air");
  const first = page.locator("li.station").first();
  await expect(first).toContainText("Nanshan");
  await expect(first.locator(".badge")).toHaveText("Your district");
});
