// Presence, presence stats and join/leave pushes as centrifuge-js sees them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  ClientPool, apiPublish, baseConfig, connectSubscriber, connectionToken, recordEvents, recordPublications, startServer, waitForEvent,
} from './harness.mjs';

function presenceConfig() {
  const config = baseConfig();
  config.channel.namespaces = [{
    name: 'room',
    allow_subscribe_for_client: true,
    presence: true,
    join_leave: true,
    allow_presence_for_subscriber: true,
  }];
  return config;
}

describe('presence and join/leave', () => {
  let server;
  const pool = new ClientPool();

  before(async () => { server = await startServer({ config: presenceConfig() }); });
  afterEach(() => pool.closeAll());
  after(async () => { await server?.stop(); });

  /** The subscription's presence as `{ clientId: user }`, checking that each entry names its own client. */
  async function presenceOf(sub) {
    const { clients } = await sub.presence();
    const byClient = {};
    for (const [clientId, info] of Object.entries(clients)) {
      assert.equal(info.client, clientId, 'a presence entry is keyed by its client id');
      byClient[clientId] = info.user;
    }
    return byClient;
  }

  test('presence lists exactly the subscribed clients, and joins and leaves of others reach a join_leave subscriber', async () => {
    const channel = `room:${randomUUID()}`;
    const alice = await connectSubscriber(pool, server, { user: 'alice', channel, subscription: { joinLeave: true } });
    const others = recordEvents(alice.sub, ['join', 'leave']);

    assert.deepEqual(await presenceOf(alice.sub), { [alice.clientId]: 'alice' });
    assert.deepEqual(await alice.sub.presenceStats(), { numClients: 1, numUsers: 1 });

    let joined = waitForEvent(alice.sub, 'join', { filter: ctx => ctx.info.user === 'bob', what: "bob's join" });
    const bob = await connectSubscriber(pool, server, { user: 'bob', channel });
    assert.equal((await joined).info.client, bob.clientId);
    assert.deepEqual(await presenceOf(alice.sub), { [alice.clientId]: 'alice', [bob.clientId]: 'bob' });
    assert.deepEqual(await alice.sub.presenceStats(), { numClients: 2, numUsers: 2 });

    // A second connection of the same user is a second client but not a second user.
    joined = waitForEvent(alice.sub, 'join', { filter: ctx => ctx.info.user === 'alice' && ctx.info.client !== alice.clientId, what: "alice's second connection joining" });
    const aliceAgain = await connectSubscriber(pool, server, { user: 'alice', channel });
    assert.equal((await joined).info.client, aliceAgain.clientId);
    assert.deepEqual(await presenceOf(bob.sub), { [alice.clientId]: 'alice', [bob.clientId]: 'bob', [aliceAgain.clientId]: 'alice' });
    assert.deepEqual(await alice.sub.presenceStats(), { numClients: 3, numUsers: 2 });

    const left = waitForEvent(alice.sub, 'leave', { filter: ctx => ctx.info.client === bob.clientId, what: "bob's leave" });
    bob.client.disconnect();
    assert.equal((await left).info.user, 'bob');
    assert.deepEqual(await presenceOf(alice.sub), { [alice.clientId]: 'alice', [aliceAgain.clientId]: 'alice' });
    assert.deepEqual(await alice.sub.presenceStats(), { numClients: 2, numUsers: 1 });

    const othersSeen = others
      .filter(e => e.ctx.info.client !== alice.clientId)
      .map(e => `${e.event} ${e.ctx.info.user} ${e.ctx.info.client}`);
    assert.deepEqual(othersSeen, [
      `join bob ${bob.clientId}`,
      `join alice ${aliceAgain.clientId}`,
      `leave bob ${bob.clientId}`,
    ]);
    assert.ok(others.every(e => e.ctx.channel === channel));
  });

  test('a subscriber that did not ask for join_leave receives no join or leave pushes', async () => {
    const channel = `room:${randomUUID()}`;
    const quiet = await connectSubscriber(pool, server, { user: 'quiet', channel });
    const quietEvents = recordEvents(quiet.sub, ['join', 'leave']);
    const quietPublications = recordPublications(quiet.sub);
    const watcher = await connectSubscriber(pool, server, { user: 'watcher', channel, subscription: { joinLeave: true } });

    const joined = waitForEvent(watcher.sub, 'join', { filter: ctx => ctx.info.user === 'visitor' });
    const visitor = await connectSubscriber(pool, server, { user: 'visitor', channel });
    await joined;
    const left = waitForEvent(watcher.sub, 'leave', { filter: ctx => ctx.info.user === 'visitor' });
    visitor.client.disconnect();
    await left;

    // Pushes of one channel reach a subscriber in order: once this publication has arrived, any join or
    // leave sent to the quiet subscriber before it would have too.
    await apiPublish(server, channel, { marker: true });
    await quietPublications.until(p => p.data.marker === true);
    assert.deepEqual(quietEvents, []);
  });

  test('presence of a channel the client is not subscribed to is refused with 103 under allow_presence_for_subscriber', async () => {
    const channel = `room:${randomUUID()}`;
    await connectSubscriber(pool, server, { user: 'alice', channel });
    const outsider = pool.create(server, { token: connectionToken('outsider') });
    const connected = waitForEvent(outsider, 'connected');
    outsider.connect();
    await connected;

    await assert.rejects(outsider.presence(channel), err => err.code === 103);
    await assert.rejects(outsider.presenceStats(channel), err => err.code === 103);
  });
});
