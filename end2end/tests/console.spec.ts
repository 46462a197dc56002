import { Browser, expect, Page, test } from "@playwright/test";
import { expectAccessible, expectNoSidewaysScroll } from "./helpers";

const platformUser = process.env.E2E_ADMIN_USER ?? "";
const platformPassword = process.env.E2E_ADMIN_PASSWORD ?? "";
const cityAdminPassword = "guangzhou admin password";

async function adminSignIn(page: Page, username: string, password: string) {
  await page.goto("/admin/signin");
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page).toHaveURL(/\/admin$/);
}

/** A resident's view of Guangzhou with `district` chosen in the picker. */
async function tilesIn(browser: Browser, district: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/c/guangzhou");
  await page.locator("#region").selectOption(district);
  await page.getByRole("button", { name: "确定" }).click();
  await expect(page.locator("#region")).toHaveValue(district);
  const air = await page.locator("a.tile[data-service=air]").count();
  await context.close();
  return air;
}

test("a city admin switches air quality off in one district; the menu and the audit log show it", async ({ page, browser }) => {
  test.skip(!platformUser, "E2E_ADMIN_USER is set by scripts/e2e.sh");
  const cityAdmin = `gz-${Date.now() % 100000}`;

  // The platform admin creates a Guangzhou admin.
  await adminSignIn(page, platformUser, platformPassword);
  await expectAccessible(page);
  await page.goto("/admin/admins");
  await page.locator("#username").fill(cityAdmin);
  await page.locator("#password").fill(cityAdminPassword);
  await page.getByLabel("广州").check();
  await page.getByRole("button", { name: "创建" }).click();
  await expect(page.getByRole("status")).toHaveText("管理员账户已创建。");
  await expectAccessible(page);
  await page.getByRole("button", { name: "退出登录" }).click();

  // The city admin sees Guangzhou only, and switches air off in Tianhe.
  await adminSignIn(page, cityAdmin, cityAdminPassword);
  await expect(page.locator("a[href='/admin/c/guangzhou']")).toBeVisible();
  await expect(page.locator("a[href='/admin/c/shenzhen']")).toHaveCount(0);
  await page.goto("/admin/c/guangzhou");
  await expect(page.locator("svg path#map-tianhe")).toBeVisible();
  await expectAccessible(page);
  const cell = page.locator("tr[data-region=tianhe] td[data-service=air]");
  await cell.getByRole("button").first().click();
  await expect(page.getByRole("status")).toContainText("已完成");
  await expect(cell).toHaveAttribute("data-enabled", "false");
  await expect(page.locator("path#map-tianhe")).toHaveClass(/has-off/);

  expect(await tilesIn(browser, "tianhe")).toBe(0);
  expect(await tilesIn(browser, "yuexiu")).toBe(1);

  await page.getByRole("link", { name: "操作日志" }).click();
  const entry = page.locator("table.audit tbody tr").first();
  await expect(entry).toContainText(`admin:${cityAdmin}`);
  // In words, in the admin's language (this admin reads Chinese).
  await expect(entry).toContainText("天河区的空气质量");
  await expect(entry).toContainText("关闭");
  await expectAccessible(page);
  await page.getByRole("link", { name: "服务方状态" }).click();
  await expect(page.locator("tr[data-provider=guangzhou-air]")).toBeVisible();
  await expectAccessible(page);

  // Another city's console is refused.
  const response = await page.goto("/admin/c/shenzhen");
  expect(response?.status()).toBe(403);

  // Leave Guangzhou as the other tests expect it.
  await page.goto("/admin/c/guangzhou");
  await page.locator("tr[data-region=tianhe] td[data-service=air]").getByRole("button", { name: "恢复配置" }).click();
  await expect(page.locator("tr[data-region=tianhe] td[data-service=air]")).toHaveAttribute("data-enabled", "true");
});

test("the console's pages fit a phone: the switch table is a card per district", async ({ page }) => {
  test.skip(!platformUser, "E2E_ADMIN_USER is set by scripts/e2e.sh");
  await adminSignIn(page, platformUser, platformPassword);
  await page.goto("/lang/en?next=/admin/c/shenzhen");
  // One switch per service in each district's card, and the warning about payments.
  const futian = page.locator("tr[data-region=futian]");
  await expect(futian.locator("td[data-service]")).toHaveCount(6);
  await expect(page.locator("#needs-payments")).toContainText("take their money through it");
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);
  for (const path of ["/admin", "/admin/c/shenzhen/health", "/admin/c/shenzhen/audit", "/admin/c/shenzhen/payments", "/admin/admins"]) {
    await page.goto(path);
    await expectNoSidewaysScroll(page);
  }
});
