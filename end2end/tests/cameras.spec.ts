import { expect, test } from "@playwright/test";
import { consoleErrors, expectAccessible } from "./helpers";

test.use({ locale: "en-US" });

test("a resident looks at the cameras, opens one, and sees a newer picture after a refresh", async ({ page }) => {
  test.setTimeout(60_000);
  const errors = consoleErrors(page);
  await page.goto("/c/shenzhen");
  await page.locator("a.tile[data-service=cameras]").click();
  await expect(page).toHaveURL(/\/c\/shenzhen\/cameras$/);
  // Two cameras in each of Shenzhen's nine districts, each with its picture's time.
  const cameras = page.locator("li.camera");
  await expect(cameras).toHaveCount(18);
  await expect(cameras.first().locator(".frame-caption")).toHaveText(/^Taken \d{2}:\d{2}:\d{2}, \d+ s ago$/);
  // The first picture is there; the list's pictures wait until scrolled to.
  const thumbnail = cameras.first().locator("img.camera-thumb");
  await expect(thumbnail).toHaveAttribute("loading", "lazy");
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  // Every picture shown carries its age; a camera whose picture has not come yet shows
  // none, and by the next visit every one has come.
  const pictured = page.locator("li.camera:has(img.camera-thumb) .frame-caption");
  for (const caption of await pictured.all()) await expect(caption).toHaveText(/Taken \d{2}:\d{2}:\d{2}/);
  await expect(async () => {
    await page.reload();
    await expect(page.locator("li.camera img.camera-thumb")).toHaveCount(18, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  for (const caption of await pictured.all()) await expect(caption).toHaveText(/Taken \d{2}:\d{2}:\d{2}/);
  await expectAccessible(page);

  // A camera that takes a picture every 10 seconds.
  await page.locator('li[data-camera="futian-1"] a.camera-link').click();
  await expect(page).toHaveURL(/\/c\/shenzhen\/cameras\/futian-1$/);
  await expect(page.getByText("every 10 seconds")).toBeVisible();
  const caption = page.locator("#frame-caption");
  await expect(caption).toHaveAttribute("data-state", "live");
  const taken = async () => (await caption.innerText()).match(/Taken (\d{2}:\d{2}:\d{2})/)?.[1];
  const first = await taken();
  expect(first).toBeTruthy();
  const picture = await page.locator("#camera-view").getAttribute("src");
  await expectAccessible(page);

  // Pause the page's own refreshing, then ask: a newer picture, with its own time.
  await page.getByRole("button", { name: "Pause refreshing" }).click();
  await expect(page.getByRole("button", { name: "Refresh on its own" })).toBeVisible();
  await expect(async () => {
    await page.getByRole("link", { name: "Refresh" }).click();
    await expect.poll(taken, { timeout: 2_000 }).not.toBe(first);
  }).toPass({ timeout: 30_000 });
  await expect(page.locator("#camera-view")).not.toHaveAttribute("src", picture ?? "");
  expect(
    await page.locator("#camera-view").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
  ).toBe(true);
  expect(errors).toEqual([]);
});

test("without JavaScript the camera page refreshes by loading it again", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "en-US" });
  const page = await context.newPage();
  await page.goto("/c/shenzhen/cameras/futian-1");
  await expect(page.locator("#frame-caption")).toHaveText(/^Taken \d{2}:\d{2}:\d{2}, \d+ s ago$/);
  await page.getByRole("link", { name: "Refresh" }).click();
  await expect(page).toHaveURL(/\/c\/shenzhen\/cameras\/futian-1$/);
  await expect(page.locator("#frame-caption")).toHaveAttribute("data-state", "live");
  await context.close();
});
