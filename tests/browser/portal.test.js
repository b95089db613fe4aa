// Browser tests of the portal: usage `node portal.test.js BASE_URL`.
// Opens each page type in Debian's chromium (never a downloaded browser),
// follows links, counts map shapes and chart points, checks the page works
// on a phone-sized viewport, and saves screenshots under out/.
// Prints "ok NAME" / "FAIL NAME" lines and "N passed, N failed" last.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

const base = process.argv[2];
const outDir = path.join(__dirname, 'out');
let passed = 0;
let failed = 0;

function check(name, cond, why) {
  if (cond) {
    passed++;
    console.log('ok   ' + name);
  } else {
    failed++;
    console.log('FAIL ' + name + (why !== undefined ? ': ' + why : ''));
  }
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const exe = process.env.CHROMIUM || '/usr/bin/chromium';
  const browser = await chromium.launch({
    executablePath: exe,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  // Home
  let r = await page.goto(base + '/');
  check('home loads', r.status() === 200);
  check('home has SDG table', (await page.locator('table.sdg tbody tr').count()) > 0);
  await page.screenshot({ path: path.join(outDir, 'home.png'), fullPage: true });

  // Follow a link from the home page to an indicator page
  await page.locator('table.sdg a[href^="/indicators/i99H"]').first().click();
  await page.waitForLoadState('load');
  check('link to indicator page', page.url().endsWith('/indicators/i99H'), page.url());
  const shapes = await page.locator('svg.map path.country').count();
  check('map has 177 country shapes', shapes === 177, shapes);
  const filled = await page.locator('svg.map path.country:not([fill="#d9d9d9"])').count();
  check('map has shapes with data', filled > 50 && filled < 177, filled);
  const box = await page.locator('svg.map').boundingBox();
  check('map is drawn with a size', box && box.width > 500 && box.height > 200,
    JSON.stringify(box));
  const legend = await page.locator('svg.map g.legend rect').count();
  check('map legend', legend === 6, legend);
  const ranking = await page.locator('table.ranking tbody tr').count();
  check('ranking table', ranking > 50, ranking);
  await page.screenshot({ path: path.join(outDir, 'indicator.png'), fullPage: true });

  // Chart for chosen economies: 2 series, points = years with data
  r = await page.goto(base + '/indicators/i99H?economies=KEN,WLD');
  const series = await page.locator('svg.chart g.series').count();
  const points = await page.locator('svg.chart circle.pt').count();
  check('chart has 2 series', series === 2, series);
  check('chart has 28 points', points === 28, points);
  check('chart has axes and unit', (await page.locator('svg.chart g.axis').count()) === 2 &&
    (await page.locator('svg.chart text.unit').textContent()) === '%');
  check('chart text alternative', (await page.locator('svg.chart desc').textContent()).includes('Kenya'));
  await page.locator('svg.chart').screenshot({ path: path.join(outDir, 'chart.png') });

  // Ranking link → economy profile
  await page.goto(base + '/indicators/i99H');
  await page.locator('table.ranking a[href="/economies/KEN"]').click();
  await page.waitForLoadState('load');
  check('link to economy page', page.url().endsWith('/economies/KEN'), page.url());
  check('economy title', (await page.locator('h1').textContent()) === 'Kenya');
  const sparks = await page.locator('svg.spark').count();
  check('economy sparklines', sparks >= 2, sparks);
  const polylines = await page.locator('tr:has(a[href="/indicators/i99H"]) svg.spark polyline').count();
  check('sparkline with region and world lines', polylines === 3, polylines);
  check('escaped text shows as text',
    (await page.content()).includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  await page.screenshot({ path: path.join(outDir, 'economy.png'), fullPage: true });

  // Economy → group page
  await page.locator('a[href="/groups/AFR"]').first().click();
  await page.waitForLoadState('load');
  check('link to group page', page.url().endsWith('/groups/AFR'), page.url());
  const members = await page.locator('table.members tbody tr').count();
  check('group members', members > 40, members);
  // the small JS filter enhances the table
  await page.fill('form.filter-table input', 'Kenya');
  const visible = await page.locator('table.members tbody tr:visible').count();
  check('table filter (JS enhancement)', visible === 1, visible);
  await page.screenshot({ path: path.join(outDir, 'group.png'), fullPage: true });

  // Catalogue search via the form
  await page.goto(base + '/catalogue');
  await page.fill('form.search input[name=q]', 'internet');
  await Promise.all([page.waitForNavigation(), page.click('form.search button')]);
  check('catalogue search', page.url().includes('q=internet') &&
    (await page.locator('table.catalogue tbody tr').count()) > 0);
  await page.screenshot({ path: path.join(outDir, 'catalogue.png'), fullPage: true });

  // Without JavaScript the pages still read
  const ctxNoJs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await ctxNoJs.newPage();
  await p2.goto(base + '/indicators/i99H');
  check('readable without JS', (await p2.locator('svg.map path.country').count()) === 177);
  await ctxNoJs.close();

  // Phone-sized viewport: no horizontal overflow of the body
  const phone = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const p3 = await phone.newPage();
  await p3.goto(base + '/economies/KEN');
  const overflow = await p3.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('responsive on a phone', overflow <= 1, overflow);
  await p3.screenshot({ path: path.join(outDir, 'economy-phone.png'), fullPage: true });
  await phone.close();

  // Print media hides navigation
  await page.goto(base + '/economies/KEN');
  await page.emulateMedia({ media: 'print' });
  check('print CSS hides navigation', !(await page.locator('header.site nav').isVisible()));
  await page.pdf({ path: path.join(outDir, 'economy-print.pdf') }).catch(() => {});

  // IDI ranking page (a reproduction) → economy profile with IDI and
  // affordability panels
  await page.emulateMedia({ media: 'screen' });
  r = await page.goto(base + '/idi?year=2022');
  check('idi page loads', r.status() === 200);
  const idiRows = await page.locator('table.idi-rank tbody tr').count();
  check('idi ranking table', idiRows > 50, idiRows);
  check('idi first rank is 1',
    (await page.locator('table.idi-rank tbody tr >> nth=0 >> td >> nth=0').textContent()) === '1');
  check('idi reproduction note',
    (await page.locator('p.note').first().textContent()).includes('Reproduction'));
  const idiGroups = await page.locator('table.idi-groups tbody tr').count();
  check('idi group scores', idiGroups > 3, idiGroups);
  await page.screenshot({ path: path.join(outDir, 'idi.png'), fullPage: true });
  await page.locator('table.idi-rank tbody a').first().click();
  await page.waitForLoadState('load');
  check('idi link to economy page', page.url().includes('/economies/'), page.url());
  check('economy IDI panel', (await page.locator('table.idi tr').count()) >= 4);
  check('economy affordability panel', (await page.locator('table.afford tbody tr').count()) === 2);
  await page.screenshot({ path: path.join(outDir, 'economy-idi.png'), fullPage: true });
  await page.goto(base + '/');
  const cov = await page.locator('table.sdg span.coverage').count();
  check('home shows aggregate coverage', cov > 3, cov);

  check('no JS errors', errors.length === 0, errors.join(' | '));
  await browser.close();
}

main().catch((e) => {
  failed++;
  console.log('FAIL browser run: ' + (e && e.stack ? e.stack.split('\n')[0] : e));
}).finally(() => {
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
});
