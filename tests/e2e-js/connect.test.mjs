// Connection establishment with JWT auth, as centrifuge-js sees it.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ClientPool, connectionToken, recordEvents, startServer, waitForEvent } from './harness.mjs';

describe('connect', () => {
  let server;
  const pool = new ClientPool();

  before(async () => { server = await startServer(); });
  afterEach(() => pool.closeAll());
  after(async () => { await server?.stop(); });

  test('a client with a valid HS256 token connects over websocket and is given a client id', async () => {
    const client = pool.create(server, { token: connectionToken('alice') });
    const connected = waitForEvent(client, 'connected');
    client.connect();

    const ctx = await connected;
    assert.equal(ctx.transport, 'websocket');
    assert.match(ctx.client, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'client id is a UUID v4');
    assert.equal(client.state, 'connected');
  });

  test('an expired token is answered with error 109 and the client connects with a token from getToken', async () => {
    let getTokenCalls = 0;
    const client = pool.create(server, {
      token: connectionToken('bob', { ttlSeconds: -60 }),
      getToken: async () => {
        getTokenCalls++;
        return connectionToken('bob');
      },
    });
    const connectError = waitForEvent(client, 'error', { filter: ctx => ctx.type === 'connect' });
    const connected = waitForEvent(client, 'connected');
    client.connect();

    assert.equal((await connectError).error.code, 109);
    await connected;
    assert.equal(getTokenCalls, 1);
    assert.equal(client.state, 'connected');
  });

  test('a token with a wrong signature disconnects the client with 3500 and it does not reconnect', async () => {
    const client = pool.create(server, { token: connectionToken('mallory', { secret: 'not-the-server-secret' }) });
    const events = recordEvents(client, ['connecting', 'connected', 'disconnected']);
    const disconnected = waitForEvent(client, 'disconnected');
    client.connect();

    const ctx = await disconnected;
    assert.equal(ctx.code, 3500);
    assert.equal(ctx.reason, 'invalid token');
    // Observation window, not synchronisation: the pool's reconnect delay is at most 1 s, so a client that
    // was going to reconnect would have emitted 'connecting' within it.
    await delay(1500);
    assert.equal(client.state, 'disconnected');
    assert.deepEqual(events.map(e => e.event), ['connecting', 'disconnected']);
  });
});
