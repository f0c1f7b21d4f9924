// Headless Chromium (the Debian `chromium` package, driven by playwright-core) loads a page from a tiny static
// server on 127.0.0.1; the page loads centrifuge-js's browser bundle, connects to Gyre over WebSocket and
// shows the publication it receives, once over WebSocket and once over SSE. A missing Chromium fails the suite with the way to install it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { DEFAULT_TIMEOUT_MS, apiPublish, baseConfig, connectionToken, startServer } from './harness.mjs';

/** CHROMIUM_PATH, else where Debian's package puts it. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a root user on a machine without outbound network: no sandbox (root), and no background
 * networking, component updates, sync or QUIC, whose connection attempts would only be refused here.
 */
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

const bundle = readFileSync(join(createRequire(import.meta.url).resolve('centrifuge'), '..', '..', 'dist', 'centrifuge.js'));

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>gyre browser check</title><script src="/centrifuge.js"></script></head>
<body><pre id="state">loading</pre><pre id="data"></pre>
<script>
  const params = new URLSearchParams(location.search);
  const state = document.getElementById('state');
  // ?sse=<endpoint>&emulation=<endpoint> selects SSE with /emulation; otherwise WebSocket.
  const endpoint = params.get('sse') ? [{ transport: 'sse', endpoint: params.get('sse') }] : params.get('ws');
  const client = new Centrifuge(endpoint, { token: params.get('token'), emulationEndpoint: params.get('emulation') ?? undefined });
  client.on('connected', ctx => { state.dataset.transport = ctx.transport; });
  const sub = client.newSubscription(params.get('channel'));
  sub.on('subscribed', () => { state.textContent = 'subscribed'; });
  sub.on('publication', ctx => { document.getElementById('data').textContent = JSON.stringify(ctx.data); });
  sub.subscribe();
  client.connect();
</script></body></html>`;

/** Serves the page and the bundle on a free loopback port; resolves with the server and its base URL. */
function startStaticServer() {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
    } else if (path === '/centrifuge.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

describe('browser (headless Chromium)', () => {
  let gyre;
  let statics;
  let context;
  let profile;

  before(async () => {
    statics = await startStaticServer();
    // The page's WebSocket carries Origin: http://127.0.0.1:<static port>, which Gyre refuses unless allowed.
    const config = baseConfig();
    config.client.allowed_origins = [statics.url];
    config.sse = { enabled: true };
    gyre = await startServer({ config });
  });

  after(async () => {
    await context?.close();
    await new Promise(resolve => (statics ? statics.server.close(resolve) : resolve()));
    await gyre?.stop();
    if (profile) {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  /** Starts Chromium once per suite; the check is in a test, not a hook: node --test counts a failed hook in neither "# pass" nor "# fail". */
  async function browser() {
    assert.ok(existsSync(chromiumPath), `Chromium not found at ${chromiumPath}: install the Debian package (apt-get install chromium; ./test.sh does) or set CHROMIUM_PATH`);
    if (!context) {
      profile = mkdtempSync(join(tmpdir(), 'gyre-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: chromiumFlags,
        timeout: DEFAULT_TIMEOUT_MS,
      });
    }
    return context;
  }

  /** Loads the page with the transport's query, waits for the subscription, publishes and checks the page shows it. */
  async function receivesAPublication(transport, query) {
    const channel = `browser-${randomUUID()}`;
    const tab = await (await browser()).newPage();
    const params = new URLSearchParams({ ...query, token: connectionToken('browser'), channel });
    await tab.goto(`${statics.url}/?${params}`, { timeout: DEFAULT_TIMEOUT_MS });

    const state = tab.locator('#state');
    await state.filter({ hasText: 'subscribed' }).waitFor({ timeout: DEFAULT_TIMEOUT_MS });
    assert.equal(await state.getAttribute('data-transport'), transport);

    await apiPublish(gyre, channel, { from: 'api', to: 'browser', over: transport });
    const data = tab.locator('#data');
    await data.filter({ hasText: 'browser' }).waitFor({ timeout: DEFAULT_TIMEOUT_MS });
    assert.deepEqual(JSON.parse(await data.textContent()), { from: 'api', to: 'browser', over: transport });
    await tab.close();
  }

  test('a page with the centrifuge-js browser bundle connects over WebSocket and receives a publication', async () => {
    await receivesAPublication('websocket', { ws: gyre.wsUrl });
  });

  test('the same page over SSE (cross-origin EventSource, commands through /emulation) receives a publication', async () => {
    await receivesAPublication('sse', { sse: `${gyre.httpUrl}/connection/sse`, emulation: `${gyre.httpUrl}/emulation` });
  });
});
