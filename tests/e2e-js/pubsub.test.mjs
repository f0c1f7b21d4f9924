// Subscriptions and publications through the real SDK: server API publish, client publish, permissions.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { ClientPool, apiPublish, connectionToken, startServer, waitForEvent } from './harness.mjs';

describe('publish and subscribe', () => {
  let server;
  const pool = new ClientPool();

  before(async () => { server = await startServer(); });
  afterEach(() => pool.closeAll());
  after(async () => { await server?.stop(); });

  async function connectedSubscriber(user, channel) {
    const client = pool.create(server, { token: connectionToken(user) });
    const sub = pool.subscribe(client, channel);
    const connected = waitForEvent(client, 'connected');
    const subscribed = waitForEvent(sub, 'subscribed');
    client.connect();
    const { client: clientId } = await connected;
    await subscribed;
    return { client, sub, clientId };
  }

  test('a subscriber receives a publication sent through POST /api/publish with the exact data', async () => {
    const channel = `news-${randomUUID()}`;
    const { sub } = await connectedSubscriber('alice', channel);
    const data = { text: 'hello', n: 42, big: 9007199254740991, nested: { list: [1, 'two', null, true, 1.5] }, unicode: 'żółw 🐢 "quoted"\nline' };

    const publication = waitForEvent(sub, 'publication');
    await apiPublish(server, channel, data);

    const ctx = await publication;
    assert.equal(ctx.channel, channel);
    assert.deepEqual(ctx.data, data);
  });

  test('a publication from one client in a publish-enabled namespace reaches another subscribed client', async () => {
    const channel = `chat:${randomUUID()}`;
    const alice = await connectedSubscriber('alice', channel);
    const bob = await connectedSubscriber('bob', channel);
    const data = { from: 'alice', text: 'hi bob' };

    const received = waitForEvent(bob.sub, 'publication');
    await alice.sub.publish(data);

    const ctx = await received;
    assert.equal(ctx.channel, channel);
    assert.deepEqual(ctx.data, data);
    assert.equal(ctx.info?.user, 'alice', 'publication carries the publisher info');
    assert.equal(ctx.info?.client, alice.clientId);
  });

  test('subscribing to a channel in an unknown namespace ends unsubscribed with code 102 and keeps the connection', async () => {
    const client = pool.create(server, { token: connectionToken('alice') });
    const sub = pool.subscribe(client, 'nope:1');
    const unsubscribed = waitForEvent(sub, 'unsubscribed');
    client.connect();

    const ctx = await unsubscribed;
    assert.equal(ctx.code, 102);
    assert.equal(sub.state, 'unsubscribed');
    assert.equal(client.state, 'connected');
  });
});
