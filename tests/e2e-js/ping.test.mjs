// Server ping / client pong with client.ping_interval 2s and client.pong_timeout 1s.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { ClientPool, connectionToken, recordEvents, recordingWebSocket, startServer, waitForEvent } from './harness.mjs';

describe('ping and pong', () => {
  let server;
  const pool = new ClientPool();

  before(async () => { server = await startServer(); }); // base config: ping_interval 2s, pong_timeout 1s
  afterEach(() => pool.closeAll());
  after(async () => { await server?.stop(); });

  test('a connection that answers pings stays connected across several ping intervals', async () => {
    const { WebSocket, traffic } = recordingWebSocket();
    const client = pool.create(server, { token: connectionToken('alice'), websocket: WebSocket });
    const connected = waitForEvent(client, 'connected');
    client.connect();
    await connected;

    const connectReply = traffic.received.map(line => JSON.parse(line)).find(reply => reply.connect);
    assert.equal(connectReply?.connect.ping, 2, 'connect result advertises the 2 s ping interval');
    assert.equal(connectReply?.connect.pong, true, 'connect result asks for pongs');

    const events = recordEvents(client, ['connecting', 'disconnected']);
    // A missed pong would close the connection 1 s after its ping, long before the next ping; each further
    // ping on the same socket therefore proves the previous pong was accepted. Four pings take about 7 s.
    let pings = 0;
    const fourthPing = waitForEvent(traffic, 'received', {
      timeoutMs: 12_000,
      filter: line => line === '{}' && ++pings === 4,
    });
    await fourthPing;

    assert.deepEqual(events, [], 'no disconnect or reconnect while pings were answered');
    assert.equal(client.state, 'connected');
    assert.equal(traffic.sockets, 1, 'all pings arrived on the first socket');
    assert.ok(traffic.sent.filter(line => line === '{}').length >= 3, 'the client answered the pings with {}');
  });
});
