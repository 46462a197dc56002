import { expect, Page, test } from "@playwright/test";
import { consoleErrors, expectAccessible, signUp } from "./helpers";

// A 4×4 PNG: enough for the server to decode and re-encode.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGM4IScHRwzEcQCxYxBBO0tjggAAAABJRU5ErkJggg==",
  "base64",
);

/** Where a position falls on the pin map, in page pixels (the map's own projection). */
async function onMap(page: Page, lat: number, lon: number) {
  // The map's island is hydrated once its controls show.
  await expect(page.locator(".map-controls")).toBeVisible();
  await page.locator("#pin-map").scrollIntoViewIfNeeded();
  return page.locator("#pin-map").evaluate(
    (svg: SVGSVGElement, [lat, lon]) => {
      const d = svg.dataset;
      const point = svg.createSVGPoint();
      point.x = (lon - Number(d.west)) * Number(d.xScale);
      point.y = (Number(d.north) - lat) * Number(d.yScale);
      const screen = point.matrixTransform(svg.getScreenCTM() as DOMMatrix);
      return { x: screen.x, y: screen.y };
    },
    [lat, lon],
  );
}

test("a resident reports a broken light with a pin and a photo, and follows it to closed", async ({ page }) => {
  const errors = consoleErrors(page);
  await signUp(page, "reporter@example.com", "a long enough password");
  await page.goto("/lang/en?next=/c/shenzhen");
  await page.getByRole("link", { name: "Report a problem" }).click();
  await expect(page).toHaveURL(/\/c\/shenzhen\/report$/);
  await page.getByRole("link", { name: /Broken street light/ }).click();
  await expect(page.getByRole("application")).toBeVisible();
  await expectAccessible(page);

  // Tap Futian: the pin drops there and the map zooms in on it.
  const tap = await onMap(page, 22.5431, 114.0579);
  await page.mouse.click(tap.x, tap.y);
  await expect(page.locator("#pin-status")).toContainText("Futian");
  // Drag the pin a little: the position follows.
  const before = await page.locator("#pin-lat").inputValue();
  const pin = await page.locator("#pin-map circle.pin").boundingBox();
  expect(pin).not.toBeNull();
  const from = { x: pin!.x + pin!.width / 2, y: pin!.y + pin!.height / 2 };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 4, from.y + 12, { steps: 4 });
  await page.mouse.up();
  await expect(page.locator("#pin-lat")).not.toHaveValue(before);
  await expect(page.locator("#pin-status")).toContainText("Futian");

  await page.getByLabel("What is wrong with the light?").selectOption("off");
  await page.getByLabel(/Describe the problem/).fill("The light at the bus stop is off every night.");
  await page.getByLabel(/Photos/).setInputFiles({ name: "light.png", mimeType: "image/png", buffer: PNG });
  await page.getByRole("button", { name: "Send the report" }).click();

  await expect(page).toHaveURL(/\/r\/[A-Za-z0-9_-]+\?notice=report-filed/);
  await expect(page.getByText("Thank you: your report is received")).toBeVisible();
  const reference = (await page.locator(".reference").textContent())?.trim() ?? "";
  expect(reference).toMatch(/^CP-[0-9A-F]{12}$/);
  await expect(page.locator(".photos img")).toHaveCount(1);
  await expectAccessible(page);

  // The city's public list has it, without the resident's words.
  await page.goto("/c/shenzhen/reports");
  await expect(page.locator(`li[data-reference="${reference}"]`)).toBeVisible();
  await expect(page.getByText("The light at the bus stop is off every night.")).toHaveCount(0);
  await expectAccessible(page);

  await page.goto("/me/reports");
  const row = page.locator(`li[data-reference="${reference}"]`);
  await expect(row).toBeVisible();
  await expectAccessible(page);

  // The demo desk closes it after a few seconds; the portal polls and tells the resident.
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator(`li[data-reference="${reference}"] .status`).getAttribute("data-status");
      },
      { timeout: 25_000, intervals: [1_000] },
    )
    .toBe("closed");
  await page.locator(`li[data-reference="${reference}"] a`).click();
  await expect(page.locator("ol.timeline li[data-kind=closed]")).toBeVisible();
  await page.goto("/inbox");
  await expect(page.getByText(`Your report ${reference} is closed`)).toBeVisible();
  expect(errors).toEqual([]);
});

test("a report without a pin is refused beside the form, and nothing typed is lost", async ({ page }) => {
  await page.goto("/lang/en?next=/c/shenzhen/report?category=drain");
  await page.getByLabel(/Describe the problem/).fill("Water across the whole road.");
  await page.getByRole("button", { name: "Send the report" }).click();
  await expect(page.getByRole("alert")).toContainText("Place the pin on the map");
  await expect(page).toHaveURL(/\/c\/shenzhen\/report\?category=drain/);
  await expect(page.getByLabel(/Describe the problem/)).toHaveValue("Water across the whole road.");

  // A pin outside the city is named as such before and after sending.
  const outside = await onMap(page, 22.4, 114.5);
  await page.mouse.click(outside.x, outside.y);
  await expect(page.locator("#pin-status")).toContainText("outside the city");
  await page.getByRole("button", { name: "Send the report" }).click();
  await expect(page.getByRole("alert")).toContainText("outside Shenzhen");
});

test("a pin dropped by an open report of the same kind offers \"me too\"", async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto("/lang/en?next=/c/shenzhen/report?category=streetlight");
  // Someone else reported this light a moment ago.
  const filed = await page.request.post("/c/shenzhen/report", {
    headers: { Accept: "application/json", Origin: new URL(page.url()).origin },
    multipart: {
      category: "streetlight",
      submission: crypto.randomUUID(),
      lat: "22.5405",
      lon: "114.0550",
      "attribute[light_state]": "flickering",
      description: "Flickering since Monday.",
    },
  });
  expect(filed.status()).toBe(201);

  // Drop the pin, zoom in close, and drop it again on the spot.
  let spot = await onMap(page, 22.5405, 114.055);
  await page.mouse.click(spot.x, spot.y);
  await page.getByRole("button", { name: "Zoom in" }).click();
  await page.getByRole("button", { name: "Zoom in" }).click();
  spot = await onMap(page, 22.5405, 114.055);
  await page.mouse.click(spot.x, spot.y);
  await expect(page.locator("#nearby")).toBeVisible();
  await page.locator("#nearby-list").getByRole("button", { name: "Me too" }).first().click();
  await expect(page.locator("#nearby-list")).toContainText("Thank you: added.");
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test("a place found by name moves the pin there, and the report names the place near it", async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto("/lang/en?next=/c/shenzhen/report?category=streetlight");
  await expect(page.locator(".map-controls")).toBeVisible();
  // Enter searches (no request per keystroke); the places found put the pin where they are.
  await page.getByLabel("Find a place").fill("Songgang");
  await page.getByLabel("Find a place").press("Enter");
  await page.locator("#place-results").getByRole("link", { name: /Songgang Subdistrict/ }).click();
  await expect(page.locator("#pin-status")).toContainText("Bao'an");
  expect(Number(await page.locator("#pin-lat").inputValue())).toBeCloseTo(22.77866, 4);
  // Several places: the resident chooses one.
  await page.getByLabel("Find a place").fill("railway station");
  await page.getByRole("button", { name: "Find", exact: true }).click();
  await page.locator("#place-results").getByRole("link", { name: /Shenzhen North Railway Station/ }).first().click();
  await expect(page.locator("#pin-status")).toContainText("Longhua");
  await expectAccessible(page);

  await page.getByLabel("What is wrong with the light?").selectOption("off");
  await page.getByRole("button", { name: "Send the report" }).click();
  await expect(page).toHaveURL(/\/r\/[A-Za-z0-9_-]+\?notice=report-filed/);
  await expect(page.locator(".near-place")).toContainText("Near Shenzhen North");
  expect(errors).toEqual([]);
});

test("the pin is placed and moved with the keyboard alone, and its place is announced", async ({ page }) => {
  await page.goto("/lang/en?next=/c/shenzhen/report?category=drain");
  await expect(page.locator(".map-controls")).toBeVisible();
  const map = page.locator("#pin-map");
  // The map is in the tab order, after the place search.
  await page.getByLabel("Find a place").focus();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(map).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("#pin-status")).toContainText("Pin placed in");
  const lat = Number(await page.locator("#pin-lat").inputValue());
  const lon = Number(await page.locator("#pin-lon").inputValue());
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowRight");
  expect(Number(await page.locator("#pin-lat").inputValue())).toBeGreaterThan(lat);
  expect(Number(await page.locator("#pin-lon").inputValue())).toBeGreaterThan(lon);
  // Zooming in makes each step smaller.
  const before = await map.getAttribute("viewBox");
  await page.keyboard.press("+");
  await expect(map).not.toHaveAttribute("viewBox", before ?? "");
  // The status line (a live region) says where, in words and numbers.
  await expect(page.getByRole("status").filter({ hasText: "Pin placed in" })).toContainText(/\d+\.\d{5}, \d+\.\d{5}/);
  await expectAccessible(page);
});

test("open reports near the pin are marked on the map as well as listed", async ({ page }) => {
  await page.goto("/lang/en?next=/c/shenzhen/report?category=streetlight");
  const filed = await page.request.post("/c/shenzhen/report", {
    headers: { Accept: "application/json", Origin: new URL(page.url()).origin },
    multipart: {
      category: "streetlight",
      submission: crypto.randomUUID(),
      lat: "22.5612",
      lon: "114.0722",
      "attribute[light_state]": "day",
    },
  });
  expect(filed.status()).toBe(201);
  let spot = await onMap(page, 22.5612, 114.0722);
  await page.mouse.click(spot.x, spot.y);
  for (let i = 0; i < 4; i++) await page.getByRole("button", { name: "Zoom in" }).click();
  spot = await onMap(page, 22.5612, 114.0722);
  await page.mouse.click(spot.x, spot.y);
  await expect(page.locator("#nearby")).toBeVisible();
  await expect(page.locator("#pin-map .nearby-reports circle")).not.toHaveCount(0);
});

test("a report filed before signing up joins the account when the resident says so, and its link can be sent on", async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto("/lang/en?next=/c/shenzhen/report?category=streetlight");
  const spot = await onMap(page, 22.5431, 114.0579);
  await page.mouse.click(spot.x, spot.y);
  await page.getByLabel("What is wrong with the light?").selectOption("off");
  await page.getByRole("button", { name: "Send the report" }).click();
  await expect(page).toHaveURL(/\/r\/[A-Za-z0-9_-]+\?notice=report-filed/);
  const reference = (await page.locator(".reference").textContent())?.trim() ?? "";
  // The private link in full, to select and copy, and handed to the phone's messages or mail.
  const link = await page.getByLabel("Private link").inputValue();
  expect(link).toBe(page.url().replace(/\?.*$/, ""));
  const sms = await page.getByRole("link", { name: "Send it by text message" }).getAttribute("href");
  expect(decodeURIComponent(sms ?? "")).toContain(link);
  const mail = await page.getByRole("link", { name: "Send it by email" }).getAttribute("href");
  expect(mail).toMatch(/^mailto:\?subject=/);
  expect(decodeURIComponent(mail ?? "")).toContain(link);
  await expectAccessible(page);

  // Signing up on this phone: "My reports" offers the report, and takes it when asked.
  await signUp(page, "filed-first@example.com", "a long enough password");
  await expect(page).toHaveURL(/\/me\/reports$/);
  const offer = page.getByRole("region", { name: /filed from this browser/ });
  await expect(offer).toContainText(reference);
  await expectAccessible(page);
  await offer.getByRole("button", { name: "Add them to my account" }).click();
  await expect(page.getByRole("status")).toHaveText("The reports are in your account now.");
  await expect(page.locator(`li[data-reference="${reference}"]`)).toBeVisible();
  await expect(page.getByRole("region", { name: /filed from this browser/ })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a place found by name puts the pin there", async ({ page }) => {
    await page.goto("/lang/en?next=/c/shenzhen/report?category=streetlight");
    await page.getByLabel("Find a place").fill("Songgang");
    await page.getByRole("button", { name: "Find", exact: true }).click();
    await expect(page).toHaveURL(/place=Songgang/);
    await page.getByRole("link", { name: /Songgang Subdistrict/ }).click();
    await expect(page.getByLabel("Latitude")).toHaveValue("22.778660");
    await expect(page.getByLabel("Longitude")).toHaveValue("113.845400");
  });

  test("the form still works: coordinates typed, a refusal comes back filled in, then it is sent", async ({ page }) => {
    await page.goto("/lang/en?next=/c/shenzhen/report?category=streetlight");
    await page.getByLabel("Latitude").fill("22.5431");
    await page.getByLabel("Longitude").fill("114.0579");
    await page.getByLabel(/Describe the problem/).fill("Dark all night <b>again</b>");
    await page.getByRole("button", { name: "Send the report" }).click();
    await expect(page).toHaveURL(/draft=/);
    await expect(page.getByRole("alert")).toContainText("Please answer: What is wrong with the light?");
    await expect(page.getByRole("alert")).toContainText("remove the <…> tags");
    await expect(page.getByLabel("Latitude")).toHaveValue("22.5431");
    await page.getByLabel(/Describe the problem/).fill("Dark all night again");
    await page.getByLabel("What is wrong with the light?").selectOption("off");
    await page.getByRole("button", { name: "Send the report" }).click();
    await expect(page).toHaveURL(/\/r\/[A-Za-z0-9_-]+\?notice=report-filed/);
    await expect(page.locator(".reference")).toHaveText(/^CP-/);
  });
});
