// Drives Debian's chromium through the unsubscribe page, as a customer on a
// phone would: open the link from the email, press the button, see the
// confirmation. Run by tests/flows/browser.rs, which checks the table after.
//
//   node tests/browser/unsubscribe.mjs <unsubscribe URL> <screenshot dir> <confirmation heading>
//
// Prints one JSON line with what it saw; exits non-zero if a step failed.
// playwright-core drives the system's chromium and downloads no browser.
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, shots, confirmation] = process.argv.slice(2);
if (!url || !shots || !confirmation) {
  console.error('usage: unsubscribe.mjs <url> <screenshot dir> <confirmation heading>');
  process.exit(2);
}

const phone = { width: 390, height: 844 };
// A fresh profile every run: no cache, no cookies, nothing from before.
const profile = await mkdtemp(join(tmpdir(), 'memnun-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: phone,
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'tr-TR',
  // A cold Chromium beside the rest of `make test` on 2 cores has taken
  // over 30 s to start; waiting longer costs nothing when it is quick.
  timeout: 120_000,
});
const seen = { screenshots: [] };
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  // The page must need nothing but itself: count every other request.
  const others = [];
  page.on('request', (r) => { if (!r.url().startsWith(new URL(url).origin)) others.push(r.url()); });
  const shot = async (name) => {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    seen.screenshots.push(path);
  };
  const overflows = () => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

  const opened = await page.goto(url, { waitUntil: 'load' });
  seen.formStatus = opened.status();
  seen.lang = await page.getAttribute('html', 'lang');
  seen.formHeading = (await page.locator('h1').textContent()).trim();
  const button = page.getByRole('button');
  seen.buttonText = (await button.textContent()).trim();
  seen.overflowsPhone = await overflows();
  await shot('unsubscribe-phone');
  await page.setViewportSize({ width: 320, height: 640 });
  seen.overflows320 = await overflows();
  await shot('unsubscribe-320');
  await page.setViewportSize(phone);

  // The keyboard reaches the button.
  await page.keyboard.press('Tab');
  seen.focused = await page.evaluate(() => document.activeElement?.tagName);

  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    button.click(),
  ]);
  seen.confirmStatus = answer.status();
  await page.getByRole('heading', { name: confirmation }).waitFor();
  seen.confirmHeading = (await page.locator('h1').textContent()).trim();
  await shot('unsubscribed-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot('unsubscribed-desktop');
  seen.otherRequests = others;
  console.log(JSON.stringify(seen));
} catch (e) {
  console.error(`browser step failed: ${e.message}`);
  console.log(JSON.stringify(seen));
  process.exitCode = 1;
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
