// Authentication as centrifuge-js exercises it: getToken driving connection and subscription token refresh,
// RS256/ES256/EdDSA tokens verified through a JWKS served by a small HTTP server in this file, private and
// user-limited channels, and server-side subscriptions from token claims.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  ClientPool, DEFAULT_TIMEOUT_MS, HMAC_SECRET, apiPublish, baseConfig, connectionToken, recordEvents, signToken,
  startServer, waitForEvent,
} from './harness.mjs';

const now = () => Math.floor(Date.now() / 1000);

/** A subscription token for `user` on `channel`, valid for `ttlSeconds` (negative: already expired). */
function subscriptionToken(user, channel, ttlSeconds = 3600) {
  return signToken({ sub: user, channel, exp: now() + ttlSeconds });
}

/**
 * Counts calls of a getToken function and lets a test wait for the n-th one: the refresh flow is driven by
 * the SDK's own timers, so the test waits on what the SDK does, not on wall-clock guesses.
 */
function countingGetToken(makeToken) {
  const calls = new EventEmitter();
  calls.count = 0;
  calls.getToken = async ctx => {
    calls.count++;
    const token = makeToken(ctx);
    calls.emit('called', calls.count);
    return token;
  };
  calls.waitFor = n => calls.count >= n
    ? Promise.resolve()
    : waitForEvent(calls, 'called', { filter: count => count >= n, timeoutMs: 15_000, what: `getToken call ${n}` });
  return calls;
}

describe('token refresh through getToken', () => {
  let server;
  const pool = new ClientPool();

  before(async () => {
    const config = baseConfig();
    // One second of grace: a connection or subscription that were not refreshed would end within the test.
    config.client.expired_close_delay = '1s';
    config.client.expired_sub_close_delay = '1s';
    config.channel.namespaces.push({ name: 'dm', allow_user_limited_channels: true });
    server = await startServer({ config });
  });
  afterEach(() => pool.closeAll());
  after(async () => { await server?.stop(); });

  test('a 2-second connection token is refreshed through getToken and the connection outlives its first expiry without reconnecting', async () => {
    const refresh = countingGetToken(() => connectionToken('carol', { ttlSeconds: 2 }));
    const firstDeadlineMs = (now() + 2 + 1) * 1000; // exp of the first token + expired_close_delay
    const client = pool.create(server, { token: connectionToken('carol', { ttlSeconds: 2 }), getToken: refresh.getToken });
    const events = recordEvents(client, ['connecting', 'connected', 'disconnected']);
    const connected = waitForEvent(client, 'connected');
    client.connect();
    await connected;
    const sub = pool.subscribe(client, 'news');
    await waitForEvent(sub, 'subscribed');

    // Past exp + expired_close_delay of the first token: without the refreshes the server would have closed with 3005.
    await refresh.waitFor(2);
    while (Date.now() <= firstDeadlineMs) {
      await refresh.waitFor(refresh.count + 1);
    }
    const publication = waitForEvent(sub, 'publication');
    await apiPublish(server, 'news', { after: 'refresh' });
    assert.deepEqual((await publication).data, { after: 'refresh' });
    assert.equal(client.state, 'connected');
    assert.deepEqual(events.map(e => e.event), ['connecting', 'connected'], 'one connection, no reconnect');
    assert.deepEqual(client.errors, []);
  });

  test('a private channel subscription refreshes its 2-second token with sub_refresh and keeps receiving', async () => {
    const client = pool.create(server, { token: connectionToken('dave') });
    client.connect();
    await waitForEvent(client, 'connected');
    const refresh = countingGetToken(ctx => subscriptionToken('dave', ctx.channel, 2));
    const firstDeadlineMs = (now() + 2 + 1) * 1000;
    const sub = pool.subscribe(client, '$room', { getToken: refresh.getToken });
    const events = recordEvents(sub, ['subscribing', 'subscribed', 'unsubscribed']);
    await waitForEvent(sub, 'subscribed');

    await refresh.waitFor(2);
    while (Date.now() <= firstDeadlineMs) {
      await refresh.waitFor(refresh.count + 1);
    }
    const publication = waitForEvent(sub, 'publication');
    await apiPublish(server, '$room', { secret: true });
    assert.deepEqual((await publication).data, { secret: true });
    assert.equal(sub.state, 'subscribed');
    assert.deepEqual(events.map(e => e.event), ['subscribed'], 'no resubscribe: the token was refreshed in place');
    assert.deepEqual(sub.errors, []);
  });

  test('an expired subscription token is answered with 109 and the subscription succeeds with a token from getToken', async () => {
    const client = pool.create(server, { token: connectionToken('erin') });
    client.connect();
    await waitForEvent(client, 'connected');
    const refresh = countingGetToken(ctx => subscriptionToken('erin', ctx.channel));
    const sub = pool.subscribe(client, '$vault', { token: subscriptionToken('erin', '$vault', -60), getToken: refresh.getToken });
    await waitForEvent(sub, 'subscribed');
    assert.equal(refresh.count, 1);
  });

  test('a private channel without a token is refused with 103 and a token for another channel disconnects with 3500', async () => {
    const client = pool.create(server, { token: connectionToken('frank') });
    client.connect();
    await waitForEvent(client, 'connected');

    // A non-temporary subscribe error ends the subscription with that code (no retry).
    const denied = pool.subscribe(client, '$nope');
    const unsubscribed = await waitForEvent(denied, 'unsubscribed');
    assert.deepEqual({ code: unsubscribed.code, reason: unsubscribed.reason }, { code: 103, reason: 'permission denied' });

    const disconnected = waitForEvent(client, 'disconnected');
    pool.subscribe(client, '$mine', { token: subscriptionToken('frank', '$other') });
    assert.equal((await disconnected).code, 3500);
  });

  test('a user-limited channel admits the users it names and refuses others with 103', async () => {
    const alice = pool.create(server, { token: connectionToken('alice') });
    const eve = pool.create(server, { token: connectionToken('eve') });
    alice.connect();
    eve.connect();
    await Promise.all([waitForEvent(alice, 'connected'), waitForEvent(eve, 'connected')]);

    const allowed = pool.subscribe(alice, 'dm:#alice,bob');
    await waitForEvent(allowed, 'subscribed');

    const refused = pool.subscribe(eve, 'dm:#alice,bob');
    assert.equal((await waitForEvent(refused, 'unsubscribed')).code, 103);
  });

  test('the channels claim becomes a server-side subscription the client sees as a subscribed event', async () => {
    const client = pool.create(server, { token: signToken({ sub: 'gina', exp: now() + 3600, channels: ['news'] }) });
    const subscribed = waitForEvent(client, 'subscribed', { filter: ctx => ctx.channel === 'news' });
    client.connect();
    await subscribed;

    const publication = waitForEvent(client, 'publication', { filter: ctx => ctx.channel === 'news' });
    await apiPublish(server, 'news', { serverSide: 1 });
    assert.deepEqual((await publication).data, { serverSide: 1 });
  });

  test('the subs claim delivers its data with the server-side subscription', async () => {
    const client = pool.create(server, { token: signToken({ sub: 'hank', subs: { news: { data: { welcome: 'hank' } } } }) });
    const subscribed = waitForEvent(client, 'subscribed', { filter: ctx => ctx.channel === 'news' });
    client.connect();
    assert.deepEqual((await subscribed).data, { welcome: 'hank' });
  });
});

describe('JWKS with RS256, ES256 and EdDSA keys', () => {
  let server;
  let jwks;
  let jwksRequests = 0;
  const pool = new ClientPool();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const kid = key => createHash('sha256').update(key.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);

  const jwk = (key, alg) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: kid(key), use: 'sig', alg });

  function jwt(alg, key, claims, signer) {
    const unsigned = `${Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid: kid(key) })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${unsigned}.${signer(Buffer.from(unsigned)).toString('base64url')}`;
  }

  const tokens = {
    RS256: claims => jwt('RS256', rsa, claims, data => sign('sha256', data, rsa.privateKey)),
    ES256: claims => jwt('ES256', ec, claims, data => sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })),
    EdDSA: claims => jwt('EdDSA', ed, claims, data => sign(null, data, ed.privateKey)),
  };

  before(async () => {
    const body = JSON.stringify({ keys: [jwk(rsa, 'RS256'), jwk(ec, 'ES256'), jwk(ed, 'EdDSA')] });
    jwks = createServer((req, res) => {
      jwksRequests++;
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise(resolve => jwks.listen(0, '127.0.0.1', resolve));
    const config = baseConfig();
    config.client.token = { jwks_public_endpoint: `http://127.0.0.1:${jwks.address().port}/.well-known/jwks.json` };
    server = await startServer({ config });
  });
  afterEach(() => pool.closeAll());
  after(async () => {
    await server?.stop();
    await new Promise(resolve => jwks?.close(resolve));
  });

  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    test(`a ${alg} token whose key comes from the JWKS connects`, async () => {
      const client = pool.create(server, { token: tokens[alg]({ sub: `user-${alg}`, exp: now() + 3600 }) });
      const connected = waitForEvent(client, 'connected');
      client.connect();
      await connected;
      assert.equal(client.state, 'connected');
    });
  }

  test('keys are fetched once and then served from the cache', async () => {
    const before = jwksRequests;
    for (const user of ['a', 'b', 'c']) {
      const client = pool.create(server, { token: tokens.RS256({ sub: user }) });
      const connected = waitForEvent(client, 'connected');
      client.connect();
      await connected;
    }
    assert.ok(jwksRequests - before <= 1, `at most one fetch for three connects, saw ${jwksRequests - before}`);
  });

  test('an HS256 token is refused with 3500 when keys come from the JWKS', async () => {
    const client = pool.create(server, { token: connectionToken('mallory', { secret: HMAC_SECRET }) });
    const disconnected = waitForEvent(client, 'disconnected');
    client.connect();
    assert.equal((await disconnected).code, 3500);
  });

  test('a token signed by a key the JWKS does not hold is refused with 3500', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = jwt('RS256', rsa, { sub: 'mallory' }, data => sign('sha256', data, stranger.privateKey));
    const client = pool.create(server, { token: forged });
    const disconnected = waitForEvent(client, 'disconnected', { timeoutMs: DEFAULT_TIMEOUT_MS });
    client.connect();
    assert.equal((await disconnected).code, 3500);
  });
});
