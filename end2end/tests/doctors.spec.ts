import { expect, test } from "@playwright/test";
import { codeSentTo, consoleErrors, expectAccessible, signUp } from "./helpers";

test("a resident books a doctor for a family member, pays the fee, sees it confirmed and cancels it", async ({ page }) => {
  test.setTimeout(90_000);
  const errors = consoleErrors(page);
  await signUp(page, "parent@example.com", "a long enough password");
  await page.goto("/lang/en?next=/c/shenzhen");
  await page.getByRole("link", { name: "Book a doctor" }).click();
  await expect(page).toHaveURL(/\/c\/shenzhen\/doctors$/);
  await expectAccessible(page);

  // The hospital that charges a fee, its paediatrics, tomorrow (never a time too close).
  const hospital = page.locator('[data-hospital="shenzhen-peoples-hospital"]');
  await hospital.getByRole("link", { name: "Paediatrics" }).click();
  await expect(page).toHaveURL(/shenzhen-peoples-hospital\/paediatrics$/);
  // With the script, a day's doctors come into this page; the address follows.
  await expect(page.locator(".day-picker[data-hydrated=true]")).toBeVisible();
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const firstDay = page.locator(".day-list a").nth(0);
  const secondDay = page.locator(".day-list a").nth(1);
  const times = async () => page.locator("a.button.time").evaluateAll((links) => links.map((l) => l.getAttribute("href")));
  const todays = await times();
  await secondDay.click();
  await expect(secondDay).toHaveAttribute("aria-current", "date");
  await expect(firstDay).not.toHaveAttribute("aria-current", "date");
  await expect(page.locator(".day-list a.chosen")).toHaveCount(1);
  const day = (await secondDay.getAttribute("href"))?.split("?day=")[1];
  await expect(page).toHaveURL(new RegExp(`\\?day=${day}$`));
  await expect.poll(times).not.toEqual(todays);
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  await expectAccessible(page);
  // An English page names the doctors and their rooms in English, as the hospital's FHIR
  // server gives them (its `translation` extension): nothing here in Chinese only.
  const doctor = page.locator("li.doctor").first();
  await expect(doctor.locator(".doctor-name")).toHaveText(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
  await expect(doctor).toContainText("Paediatrics, room ");
  await expect(doctor).not.toContainText("诊室");
  const time = page.locator("a.button.time").first();
  const shown = (await time.innerText()).trim();
  expect(shown).toMatch(/^(0[89]|1[0-6]):[03]0$/);
  await time.click();
  await expect(page.getByRole("heading", { name: "Confirm your appointment" })).toBeVisible();
  // The header's title is whole at 360 px (a second line rather than "Confirm your …").
  const whole = await page
    .locator(".top-title")
    .evaluate((e) => e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1);
  expect(whole).toBe(true);
  await expect(page.locator("dd[data-time]")).toContainText(shown);

  // No one to book for yet: add a family member, and come back here.
  await page.getByRole("link", { name: "Add a person" }).first().click();
  await page.getByLabel("Who is it?").selectOption("child");
  await page.getByLabel("Full name (as on the ID card)").fill("王小明");
  await page.getByLabel("Male", { exact: true }).check();
  await page.getByLabel("Date of birth").fill("2015-06-01");
  await page.getByLabel("Mobile number").fill("13800138000");
  // A wrong check digit first: a clear message, and what was typed stays.
  await page.getByLabel("Document number", { exact: true }).fill("440304201506010010");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("This ID-card number is not valid")).toBeVisible();
  await expect(page.getByLabel("Full name (as on the ID card)")).toHaveValue("王小明");
  // Nothing to retype: the number comes back too; and the date and phone fields are as
  // tall as the others (a finger's target), not the browser's bare 21 px.
  await expect(page.getByLabel("Document number", { exact: true })).toHaveValue("440304201506010010");
  for (const field of ["Date of birth", "Mobile number"]) {
    const box = await page.getByLabel(field, { exact: true }).boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
  }
  await expectAccessible(page);
  await page.getByLabel("Document number", { exact: true }).fill("440304201506010017");
  await page.getByRole("button", { name: "Save" }).click();
  // The carrier (the simulator: the demo's people) confirms name, number and mobile belong
  // together; the code sent to that mobile proves him.
  await expect(page.getByRole("heading", { name: "Enter your code" })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel("6-digit code").fill(await codeSentTo(page, "+8613800138000"));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("heading", { name: "Confirm your appointment" })).toBeVisible();
  await expect(page.getByLabel(/王小明/)).toBeChecked();
  await expectAccessible(page);

  // Agree to what the hospital is told (a sentence naming the hospital, the person and each
  // field), book, and pay on WeChat Pay's (the simulator's) page.
  const told =
    "Shenzhen People's Hospital is told the name, sex, date of birth, mobile number and identity document number of each patient you book for";
  await page.getByLabel(`I agree: ${told}`, { exact: false }).check();
  await page.getByRole("button", { name: "Book and pay the fee" }).click();
  await expect(page).toHaveURL(/checkmweb\?prepay_id=/);
  await page.getByRole("button", { name: /Pay$/ }).click();
  await expect(page).toHaveURL(/\/me\/payments\/[0-9a-f-]{36}$/);
  await expectAccessible(page);

  // The hospital confirms it by a job; the appointment and the inbox say so.
  await page.goto("/me/appointments");
  await expect(async () => {
    await page.reload();
    await expect(page.locator('[data-state="booked"]')).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  const card = page.locator('[data-state="booked"]');
  await expect(card).toContainText(shown);
  await expect(card).toContainText("王小明");
  await expectAccessible(page);
  await page.goto("/inbox");
  await expect(page.getByText(/Appointment booked/).first()).toBeVisible();

  // "My data" says the same, in each language.
  await page.goto("/me/data");
  await expect(page.getByText(told)).toBeVisible();
  await page.goto("/lang/zh?next=/me/data");
  await expect(page.getByText("深圳市人民医院将获得您所预约的每位就诊人的姓名、性别、出生日期、手机号和证件号码")).toBeVisible();
  await page.goto("/lang/en?next=/me/appointments");

  // Cancel it: asked first (what is refunded, a button that looks like what it does), then
  // the hospital is told and the fee goes back; it is listed apart from what took place.
  await page.goto("/me/appointments");
  await page.getByRole("link", { name: "Cancel the appointment" }).click();
  await expect(page.getByText("Cancel this appointment?")).toBeVisible();
  await expect(page.getByText(/The fee of ¥[\d.]+ is refunded in full\./)).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("button", { name: "Yes, cancel the appointment" }).click();
  await expect(page.getByText("Your appointment is being cancelled.")).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(page.locator('[data-state="cancelled"]')).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  const cancelled = page.getByRole("region", { name: "Cancelled or not booked" });
  await expect(cancelled.locator('[data-state="cancelled"]')).toHaveCount(1);
  await page.goto("/inbox");
  await expect(page.getByText(/Appointment cancelled/).first()).toBeVisible();
  expect(errors).toEqual([]);
});
