// Two Gyre nodes sharing a broker, driven by the real SDK: a publication through one node's API reaches a
// subscriber on the other, and a client that moves to the other node recovers what it missed from history.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ClientPool, apiCall, apiPublish, baseConfig, connectSubscriber, connectionToken, recordPublications, startBackend, startServer, waitForEvent } from './harness.mjs';

function nodeConfig(name, engine) {
  const config = baseConfig();
  config.node = { name };
  config.channel.namespaces.push({ name: 'room', allow_subscribe_for_client: true, presence: true, history_size: 100, history_ttl: '300s', force_recovery: true });
  return { ...config, ...engine };
}

async function startNodes(engine) {
  const a = await startServer({ config: nodeConfig('a', engine) });
  const b = await startServer({ config: nodeConfig('b', engine) });
  return [a, b];
}

describe('two nodes on Redis', () => {
  let redis;
  let a;
  let b;
  const pool = new ClientPool();

  before(async () => {
    redis = await startBackend('redis');
    [a, b] = await startNodes({ engine: { type: 'redis', redis: { address: [redis.url], prefix: `e2e-${randomUUID()}` } } });
  });
  afterEach(() => pool.closeAll());
  after(async () => {
    await b?.stop();
    await a?.stop();
    await redis?.stop();
  });

  test('a publication through the API of node A reaches a subscriber on node B', async () => {
    const channel = `news-${randomUUID()}`;
    const { sub } = await connectSubscriber(pool, b, { user: 'bob', channel });
    const publication = waitForEvent(sub, 'publication');
    await apiPublish(a, channel, { text: 'across nodes' });
    assert.deepEqual((await publication).data, { text: 'across nodes' });
  });

  test('info on node A lists both nodes', async () => {
    // Nodes announce themselves every 3 s; poll the API until B appears, with a deadline.
    const deadline = Date.now() + 10_000;
    let names = [];
    while (Date.now() < deadline) {
      const res = await apiCall(a, 'info', {});
      names = res.json.result.nodes.map(n => n.name).sort();
      if (names.length === 2) {
        break;
      }
      await delay(100);
    }
    assert.deepEqual(names, ['a', 'b']);
  });

  test('presence on node A shows subscribers of both nodes', async () => {
    const channel = `room:${randomUUID()}`;
    await connectSubscriber(pool, a, { user: 'on-a', channel });
    await connectSubscriber(pool, b, { user: 'on-b', channel });
    const res = await apiCall(a, 'presence', { channel });
    assert.deepEqual(Object.values(res.json.result.presence).map(p => p.user).sort(), ['on-a', 'on-b']);
  });

  test('disconnect through node A closes the user\'s connection on node B', async () => {
    const channel = `news-${randomUUID()}`;
    const { client } = await connectSubscriber(pool, b, { user: 'kicked', channel });
    const disconnected = waitForEvent(client, 'disconnected');
    const res = await apiCall(a, 'disconnect', { user: 'kicked' });
    assert.equal(res.json.error, undefined);
    assert.equal((await disconnected).code, 3503);
  });

  test('a client that reconnects to the other node recovers the publications it missed', async () => {
    const channel = `room:${randomUUID()}`;
    const first = await connectSubscriber(pool, a, { user: 'mover', channel });
    const seen = recordPublications(first.sub);
    await apiPublish(a, channel, { n: 1 });
    await seen.until(p => p.data.n === 1);
    const since = { offset: seen[0].offset, epoch: first.subscribed.streamPosition.epoch };
    first.client.disconnect();

    await apiPublish(b, channel, { n: 2 });
    await apiPublish(a, channel, { n: 3 });

    const client = pool.create(b, { token: connectionToken('mover') });
    const sub = client.newSubscription(channel, { since });
    const recovered = recordPublications(sub);
    const subscribed = waitForEvent(sub, 'subscribed');
    sub.subscribe();
    client.connect();
    assert.equal((await subscribed).recovered, true);
    await recovered.until(p => p.data.n === 3);
    assert.deepEqual(recovered.map(p => p.data.n), [2, 3]);
  });
});

describe('Redis killed and restarted under two nodes', () => {
  let dataDir;
  let redis;
  let a;
  let b;
  const pool = new ClientPool();

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gyre-e2e-redis-aof-'));
    redis = await startBackend('redis', { dataDir });
    const engine = { type: 'redis', redis: { address: [redis.url], prefix: `e2e-${randomUUID()}`, connect_timeout: '5s', io_timeout: '1s' } };
    [a, b] = await startNodes({ engine });
  });
  afterEach(() => pool.closeAll());
  after(async () => {
    await b?.stop();
    await a?.stop();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Publishes {n} through node A's API, one at a time; returns whether the publication was acknowledged. */
  async function publish(channel, n) {
    try {
      const res = await apiCall(a, 'publish', { channel, data: { n } });
      return res.status === 200 && res.json !== undefined && res.json.error === undefined;
    } catch {
      return false;
    }
  }

  test('every acknowledged publication reaches a subscriber on node B, live or recovered from history', { timeout: 90_000 }, async () => {
    const channel = `room:${randomUUID()}`;
    const { sub } = await connectSubscriber(pool, b, { user: 'through-outage', channel });
    const seen = recordPublications(sub);
    const resubscribed = waitForEvent(sub, 'subscribed', { timeoutMs: 60_000, what: 'the resubscription after the outage' });
    const acked = [];
    let n = 0;

    while (acked.length < 20) {
      n += 1;
      if (await publish(channel, n)) {
        acked.push(n);
      }
    }

    await redis.stop();
    // While Redis is down, publishes are refused (not lost): wait for the first refusal, a few more may follow.
    let refused = 0;
    while (refused < 3) {
      n += 1;
      if (await publish(channel, n)) {
        acked.push(n);
      } else {
        refused += 1;
      }
    }

    redis = await startBackend('redis', { port: redis.port, dataDir });
    const afterRestart = acked.length + 20;
    const deadline = Date.now() + 60_000;
    while (acked.length < afterRestart && Date.now() < deadline) {
      n += 1;
      if (await publish(channel, n)) {
        acked.push(n);
      }
    }
    assert.equal(acked.length, afterRestart, 'node A accepted publishes again after Redis returned');

    await seen.until(p => p.data.n === acked.at(-1), { timeoutMs: 30_000, what: `publication ${acked.at(-1)}` });
    const received = seen.map(p => p.data.n);
    assert.deepEqual(acked.filter(x => !received.includes(x)), [], 'acknowledged publications missing on node B');
    assert.deepEqual(received, [...new Set(received)].sort((x, y) => x - y), 'publications arrive once each, in order');
    // The gap was closed by a resubscription that recovered from history, not by luck.
    assert.equal((await resubscribed).recovered, true);
  });
});

describe('two nodes on NATS', () => {
  let nats;
  let a;
  let b;
  const pool = new ClientPool();

  before(async () => {
    nats = await startBackend('nats');
    [a, b] = await startNodes({ broker: { enabled: true, type: 'nats', nats: { url: nats.url, prefix: `e2e-${randomUUID()}` } } });
  });
  afterEach(() => pool.closeAll());
  after(async () => {
    await b?.stop();
    await a?.stop();
    await nats?.stop();
  });

  test('a publication through the API of node A reaches a subscriber on node B', async () => {
    const channel = `news-${randomUUID()}`;
    const { sub } = await connectSubscriber(pool, b, { user: 'bob', channel });
    const publication = waitForEvent(sub, 'publication');
    await apiPublish(a, channel, 'over nats');
    assert.equal((await publication).data, 'over nats');
  });
});
