// Protocol violations sent with plain `ws` (the SDK never sends these), and the inbound message size limit.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { connectionToken, openRawSocket, startServer, waitForClose, waitForEvent } from './harness.mjs';

describe('protocol violations', () => {
  let server;
  const sockets = [];

  before(async () => { server = await startServer(); });
  afterEach(() => { for (const s of sockets.splice(0)) s.terminate(); });
  after(async () => { await server?.stop(); });

  async function rawSocket() {
    const socket = await openRawSocket(server);
    sockets.push(socket);
    return socket;
  }

  async function connectRaw(socket, user) {
    const reply = waitForEvent(socket, 'message');
    socket.send(JSON.stringify({ id: 1, connect: { token: connectionToken(user), name: 'raw-ws' } }));
    const [data] = await reply;
    return JSON.parse(data.toString().trim().split('\n')[0]);
  }

  test('a frame that is not JSON on a connected socket closes it with 3501 bad request', async () => {
    const socket = await rawSocket();
    const reply = await connectRaw(socket, 'alice');
    assert.equal(reply.id, 1);
    assert.ok(reply.connect?.client, 'connected before the malformed frame');

    const closed = waitForClose(socket);
    socket.send('{"id":2,"subscribe":{"channel":');
    const { code, reason } = await closed;
    assert.equal(code, 3501);
    assert.equal(reason, 'bad request');
  });

  test('a command sent before connect closes the socket with 3501', async () => {
    const socket = await rawSocket();
    const closed = waitForClose(socket);
    socket.send(JSON.stringify({ id: 1, subscribe: { channel: 'news' } }));
    assert.equal((await closed).code, 3501);
  });

  test('a 70,000-byte frame closes the socket with 1009 and the server keeps serving', async () => {
    const socket = await rawSocket();
    const closed = waitForClose(socket);
    const prefix = '{"id":1,"connect":{"token":"';
    const suffix = '"}}';
    const frame = prefix + 'a'.repeat(70_000 - prefix.length - suffix.length) + suffix;
    assert.equal(Buffer.byteLength(frame), 70_000);
    socket.send(frame);
    assert.equal((await closed).code, 1009);

    const health = await fetch(`${server.httpUrl}/health`, { signal: AbortSignal.timeout(5000) });
    assert.equal(health.status, 200);
    assert.equal(await health.text(), '{}');
    const next = await rawSocket();
    const reply = await connectRaw(next, 'bob');
    assert.ok(reply.connect?.client, 'a new connection is accepted after the oversized frame');
  });
});
