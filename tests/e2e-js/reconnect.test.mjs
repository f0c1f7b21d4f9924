// Reconnect after the server shuts down (3001) and comes back on the same port.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, describe, test } from 'node:test';
import { ClientPool, apiPublish, connectionToken, recordEvents, startServer, waitForEvent } from './harness.mjs';

describe('reconnect', () => {
  const servers = [];
  const pool = new ClientPool();

  afterEach(() => pool.closeAll());
  after(async () => { await Promise.all(servers.map(s => s.stop())); });

  test('after a server shutdown the client reconnects to the restarted server, resubscribes and receives publications', async () => {
    const first = await startServer();
    servers.push(first);
    const channel = `news-${randomUUID()}`;
    const client = pool.create(first, { token: connectionToken('alice') });
    const sub = pool.subscribe(client, channel);
    const initiallyConnected = waitForEvent(client, 'connected');
    const initiallySubscribed = waitForEvent(sub, 'subscribed');
    client.connect();
    const { client: firstClientId } = await initiallyConnected;
    await initiallySubscribed;

    const clientEvents = recordEvents(client, ['connecting', 'connected', 'disconnected']);
    const subEvents = recordEvents(sub, ['subscribing', 'subscribed', 'unsubscribed']);
    const connecting = waitForEvent(client, 'connecting', { what: 'the server closing the socket with 3001 after SIGTERM' });
    const stopped = first.stop();

    const ctx = await connecting;
    assert.equal(ctx.code, 3001, 'shutdown is announced with the reconnecting code 3001');
    assert.equal(ctx.reason, 'shutdown');
    await stopped;

    const reconnected = waitForEvent(client, 'connected', { what: 'reconnect to the restarted server' });
    const resubscribed = waitForEvent(sub, 'subscribed');
    const second = await startServer({ port: first.port });
    servers.push(second);
    const { client: secondClientId } = await reconnected;
    await resubscribed;

    assert.notEqual(secondClientId, firstClientId, 'a new connection, not the old one');
    assert.deepEqual(clientEvents.map(e => e.event), ['connecting', 'connected']);
    assert.deepEqual(subEvents.map(e => e.event), ['subscribing', 'subscribed']);

    const publication = waitForEvent(sub, 'publication');
    await apiPublish(second, channel, { after: 'restart' });
    assert.deepEqual((await publication).data, { after: 'restart' });
  });
});
