import { expect, test } from "@playwright/test";
import { consoleErrors, expectAccessible, signUp } from "./helpers";

const PASSWORD = "correct horse battery staple";

test("sign up with a code, sign out, and sign in again", async ({ page }) => {
  const errors = consoleErrors(page);
  const email = `resident-${Date.now()}@example.cn`;
  await page.goto("/signup");
  await expectAccessible(page);
  await signUp(page, email, PASSWORD);
  await expect(page.locator("dd[data-field=email]")).toHaveText(email);
  // The account's parts are a menu of large targets, each a whole row to tap.
  const menu = page.getByRole("navigation", { name: /我的账户|My account/ }).getByRole("link");
  await expect(menu).toHaveCount(6);
  for (const link of await menu.all()) {
    const box = await link.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
    expect(await link.evaluate((a) => getComputedStyle(a).textDecorationLine)).toBe("none");
  }
  await expectAccessible(page);

  await page.getByRole("button", { name: "退出登录", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/me");
  await expect(page).toHaveURL(/\/signin\?next=%2Fme|\/signin\?next=\/me/);

  // A wrong password says so and keeps what was typed.
  await page.locator("#contact").fill(email);
  await page.locator("#password").fill("not the password");
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("密码不匹配");
  await expect(page.locator("#contact")).toHaveValue(email);
  await expectAccessible(page);

  await page.locator("#password").fill(PASSWORD);
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page).toHaveURL(/\/me$/);
  await page.goto("/inbox");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("消息");
  await expectAccessible(page);
  await page.goto("/me/data");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("我的数据");
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test("add a passkey with a virtual authenticator and sign in with it", async ({ page }) => {
  const errors = consoleErrors(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  const email = `passkey-${Date.now()}@example.cn`;
  await signUp(page, email, PASSWORD);

  // The ceremony's code is fetched on the first tap. When it does not arrive (a dropped
  // connection), the button says so and stays usable; nothing on the page breaks.
  await page.route(/split_passkey_ceremony\.wasm/, (route) => route.abort("connectionreset"));
  await page.getByRole("button", { name: "添加通行密钥" }).click();
  await expect(page.locator(".passkey-error")).toBeVisible();
  await expect(page.getByRole("button", { name: "添加通行密钥" })).not.toHaveAttribute("aria-disabled", "true");
  await page.unroute(/split_passkey_ceremony\.wasm/);
  await page.getByRole("button", { name: "添加通行密钥" }).click();
  await expect(page).toHaveURL(/notice=passkey-added/);
  await expect(page.locator("ul.passkeys li")).toHaveCount(1);

  await page.getByRole("button", { name: "退出登录", exact: true }).click();
  await page.goto("/signin");
  await page.locator("#contact").fill(email);
  await page.getByRole("button", { name: "使用通行密钥登录" }).click();
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.locator("ul.passkeys li")).toContainText("最近使用");
  // The one failed fetch (which wasm-split's loader reports itself) is all the console saw:
  // no panic.
  expect(errors.some((e) => /panicked/.test(e))).toBe(false);
  expect(errors.filter((e) => !/Failed to fetch|Failed to load resource|ERR_CONNECTION_RESET/.test(e))).toEqual([]);
});
