import { expect, test } from "@playwright/test";
import { consoleErrors, expectAccessible, expectNoSidewaysScroll, signUp } from "./helpers";

test("pick Shenzhen from the home page and see its service tiles", async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("选择您的城市");
  // The location island hydrates: the wasm bundle loads and runs.
  await expect(page.locator(".locate[data-hydrated=true]")).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("link", { name: /深圳/ }).click();
  await expect(page).toHaveURL(/\/c\/shenzhen$/);
  await expect(page.locator(".top-title")).toHaveText("深圳");
  const airTile = page.locator("a.tile[data-service=air]");
  await expect(airTile).toBeVisible();
  await expect(airTile).toContainText("空气质量");
  await expectAccessible(page);
  expect(errors).toEqual([]);

  // The home page now offers the remembered city first.
  await page.goto("/");
  await expect(page.locator("a.continue")).toHaveAttribute("href", "/c/shenzhen");
});

test("switch to English and back", async ({ page }) => {
  await page.goto("/c/guangzhou");
  await page.getByRole("link", { name: "English" }).click();
  await expect(page).toHaveURL(/\/c\/guangzhou$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.locator(".top-title")).toHaveText("Guangzhou");
  await expect(page.locator("a.tile[data-service=air]")).toContainText("Air quality");
  await page.getByRole("link", { name: "中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
});

test("use my location resolves the city and district", async ({ browser }) => {
  const context = await browser.newContext({
    geolocation: { latitude: 22.5222, longitude: 114.055 },
    permissions: ["geolocation"],
    locale: "en-US",
  });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.locator(".locate[data-hydrated=true]")).toBeVisible();
  await page.getByRole("button", { name: "Use my location" }).click();
  await expect(page).toHaveURL(/\/c\/shenzhen$/);
  await expect(page.locator("#region")).toHaveValue("futian");
  await context.close();
});

test("an unknown city gets a 404 page that offers the known ones", async ({ page }) => {
  const response = await page.goto("/c/atlantis");
  expect(response?.status()).toBe(404);
  await expect(page.locator(".city-list a")).toHaveCount(3);
  await expectAccessible(page);
});

test("every page a resident reaches fits a 360 px phone, in both languages", async ({ page }) => {
  await signUp(page, "narrow@example.com", "a long enough password");
  const pages = [
    "/",
    "/c/shenzhen",
    "/c/shenzhen/air",
    "/c/shenzhen/report",
    "/c/shenzhen/report?category=streetlight",
    "/c/shenzhen/report?category=streetlight&place=Songgang",
    "/c/shenzhen/reports",
    "/c/shenzhen/bills",
    "/c/shenzhen/doctors",
    "/c/shenzhen/cameras",
    "/me",
    "/me/family",
    "/me/data",
    "/me/payments",
    "/me/reports",
    "/me/appointments",
    "/inbox",
    "/c/atlantis",
  ];
  for (const language of ["en", "zh-CN"]) {
    await page.goto(`/lang/${language}?next=/`);
    for (const path of pages) {
      await page.goto(path);
      await expectNoSidewaysScroll(page);
    }
  }
  // A camera's page, and the sign-in pages of someone signed out.
  await page.goto("/c/shenzhen/cameras");
  await page.locator("a[href*='/cameras/']").first().click();
  await expectNoSidewaysScroll(page);
  await page.context().clearCookies();
  for (const path of ["/signin", "/signup", "/admin/signin"]) {
    await page.goto(path);
    await expectNoSidewaysScroll(page);
  }
});
