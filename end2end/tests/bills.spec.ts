import { expect, test } from "@playwright/test";
import { consoleErrors, expectAccessible, signUp } from "./helpers";

test("a resident saves an account, pays its bill on WeChat Pay's page and gets the company's receipt", async ({ page }) => {
  test.setTimeout(60_000);
  const errors = consoleErrors(page);
  await signUp(page, "payer@example.com", "a long enough password");
  await page.goto("/lang/en?next=/c/shenzhen");
  await page.getByRole("link", { name: "Pay bills" }).click();
  await expect(page).toHaveURL(/\/c\/shenzhen\/bills$/);
  await expectAccessible(page);

  // Save the electricity account: the company must know it with a bill of the amount printed
  // on it (the number alone proves nothing), and the resident must agree.
  await page.getByLabel("Company", { exact: true }).selectOption("shenzhen-electricity");
  await page.getByLabel("Account number", { exact: true }).fill("1000000001");
  await page.getByLabel(/Amount of a bill to pay/).fill("100.00");
  await page.getByLabel(/Name it/).fill("Home");
  await page.getByRole("button", { name: "Save the account" }).click();
  // Without consent the browser itself asks for the box first; tick it.
  await page.getByLabel(/The company may be told this account number/).check();
  await page.getByRole("button", { name: "Save the account" }).click();
  await expect(page.getByText(/no such account with a bill of this amount/)).toBeVisible();
  await page.getByLabel("Account number", { exact: true }).fill("1000000001");
  await page.getByLabel(/Amount of a bill to pay/).fill("123.45");
  await page.getByLabel(/The company may be told this account number/).check();
  await page.getByRole("button", { name: "Save the account" }).click();
  await expect(page.getByText("The account is saved.")).toBeVisible();
  const bill = page.getByRole("checkbox", { name: /2026-10 · ¥123\.45/ });
  await expect(bill).toBeVisible();
  await expectAccessible(page);

  // Pay it: off to WeChat Pay's (the simulator's) page, and back.
  await bill.check();
  await page.getByRole("button", { name: "Pay the chosen bills" }).click();
  await expect(page).toHaveURL(/checkmweb\?prepay_id=/);
  await expect(page.getByText("¥123.45")).toBeVisible();
  await page.getByRole("button", { name: /Pay$/ }).click();
  await expect(page).toHaveURL(/\/me\/payments\/[0-9a-f-]{36}$/);
  await expect(page.locator(".receipt .status")).toContainText(/Paid|Being confirmed/);
  await expectAccessible(page);

  // The company is told by a job: its receipt number reaches the page (which watches for
  // it: nobody reloads) and the inbox.
  await expect(page.locator(".receipt")).toContainText(/receipt RC1\d{8}/, { timeout: 30_000 });
  const receipt = (await page.locator(".receipt").innerText()).match(/RC1\d{8}/)?.[0];
  expect(receipt).toBeTruthy();
  await page.goto("/inbox");
  await expect(page.getByText(receipt as string)).toBeVisible();

  // Paid: the bill is no longer open.
  await page.goto("/c/shenzhen/bills");
  await expect(page.getByText("Nothing to pay: every bill is paid.")).toBeVisible();
  expect(errors).toEqual([]);
});

test("a payment cancelled on WeChat Pay's page is cancelled here too, and its bill can be paid again", async ({ page }) => {
  test.setTimeout(60_000);
  const errors = consoleErrors(page);
  await signUp(page, "changed-mind@example.com", "a long enough password");
  await page.goto("/lang/en?next=/c/shenzhen/bills");
  await page.getByLabel("Company", { exact: true }).selectOption("shenzhen-electricity");
  await page.getByLabel("Account number", { exact: true }).fill("1000000002");
  await page.getByLabel(/Amount of a bill to pay/).fill("88.00");
  await page.getByLabel(/The company may be told this account number/).check();
  await page.getByRole("button", { name: "Save the account" }).click();
  await expect(page.getByText("The account is saved.")).toBeVisible();
  const bill = page.getByRole("checkbox", { name: /2026-09 · ¥88\.00/ });
  await bill.check();
  await page.getByRole("button", { name: "Pay the chosen bills" }).click();
  await expect(page).toHaveURL(/checkmweb\?prepay_id=/);
  // Cancelled on WeChat Pay's page: back here, the portal cannot tell it from a payment
  // under way, so it offers to cancel; WeChat Pay confirms before the bill is free.
  await page.getByRole("button", { name: /Cancel$/ }).click();
  await expect(page).toHaveURL(/\/me\/payments\/[0-9a-f-]{36}$/);
  await page.getByRole("button", { name: "Cancel this payment" }).click();
  await expect(page.getByText("The payment is cancelled: WeChat Pay confirmed that nothing was charged.")).toBeVisible();
  await expect(page.locator(".receipt .status")).toContainText("Not paid");
  await expectAccessible(page);
  await page.goto("/c/shenzhen/bills");
  await expect(page.getByRole("checkbox", { name: /2026-09 · ¥88\.00/ })).toBeVisible();
  expect(errors).toEqual([]);
});
