// The real centrifuge-js Protobuf build (`centrifuge/build/protobuf`) over WebSocket: binary frames with the
// `centrifuge-protobuf` subprotocol; publication data travels as raw bytes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { Centrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { apiPublish, connectionToken, startServer, waitForEvent } from './harness.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A `ws` subclass that remembers every socket it opened, so a test can check the subprotocol and drop one. */
function trackingWebSocket() {
  const sockets = [];
  class TrackingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  }
  return { WebSocket: TrackingWebSocket, sockets };
}

describe('centrifuge-js protobuf build', () => {
  let server;
  const clients = [];

  before(async () => { server = await startServer(); });
  afterEach(() => { for (const c of clients.splice(0)) c.disconnect(); });
  after(async () => { await server?.stop(); });

  function create(user, tracking = trackingWebSocket()) {
    const client = new Centrifuge(server.wsUrl, {
      websocket: tracking.WebSocket,
      token: connectionToken(user),
      minReconnectDelay: 100,
      maxReconnectDelay: 1000,
    });
    client.on('error', () => { /* asserted through state events */ });
    clients.push(client);
    return { client, sockets: tracking.sockets };
  }

  async function connectAndSubscribe(user, channel) {
    const { client, sockets } = create(user);
    const sub = client.newSubscription(channel);
    sub.on('error', () => { /* asserted through state events */ });
    const connected = waitForEvent(client, 'connected', { what: `${user} connecting over protobuf` });
    const subscribed = waitForEvent(sub, 'subscribed', { what: `${user} subscribing to ${channel}` });
    sub.subscribe();
    client.connect();
    const ctx = await connected;
    await subscribed;
    return { client, sub, sockets, ctx };
  }

  test('connects with the centrifuge-protobuf subprotocol and receives an API publication as bytes', async () => {
    const channel = `pb-${randomUUID()}`;
    const { sub, sockets, ctx } = await connectAndSubscribe('alice', channel);
    assert.equal(ctx.transport, 'websocket');
    assert.equal(sockets[0].protocol, 'centrifuge-protobuf', 'the server accepted the protobuf subprotocol');

    const publication = waitForEvent(sub, 'publication');
    await apiPublish(server, channel, { hello: 'protobuf' });
    const { data } = await publication;
    assert.ok(data instanceof Uint8Array, 'protobuf publications carry raw bytes');
    assert.deepEqual(JSON.parse(decoder.decode(data)), { hello: 'protobuf' });
  });

  test('a binary client publication reaches another protobuf subscriber byte for byte', async () => {
    const channel = `chat:pb-${randomUUID()}`;
    const { sub: receiver } = await connectAndSubscribe('bob', channel);
    const { client: sender } = await connectAndSubscribe('carol', channel);

    const payload = new Uint8Array([0, 1, 2, 250, 251, 255, ...encoder.encode('not json')]);
    const publication = waitForEvent(receiver, 'publication');
    await sender.publish(channel, payload);
    const { data } = await publication;
    assert.deepEqual(Array.from(data), Array.from(payload));
  });

  test('after the transport drops, the client reconnects, resubscribes and receives again', async () => {
    const channel = `pb-${randomUUID()}`;
    const { client, sub, sockets, ctx: first } = await connectAndSubscribe('dave', channel);

    const reconnected = waitForEvent(client, 'connected', { what: 'reconnect after the socket was terminated' });
    const resubscribed = waitForEvent(sub, 'subscribed', { what: 'resubscribe after reconnect' });
    sockets[0].terminate();
    const second = await reconnected;
    await resubscribed;
    assert.notEqual(second.client, first.client, 'a new connection, not the old one');
    assert.equal(sockets.length, 2);
    assert.equal(sockets[1].protocol, 'centrifuge-protobuf');

    const publication = waitForEvent(sub, 'publication');
    await apiPublish(server, channel, { after: 'reconnect' });
    assert.deepEqual(JSON.parse(decoder.decode((await publication).data)), { after: 'reconnect' });
  });
});
