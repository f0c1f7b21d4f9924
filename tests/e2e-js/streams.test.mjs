// centrifuge-js over the emulation transports (SSE and HTTP-streaming with /emulation), and the unidirectional
// transports with plain clients: fetch for uni_http_stream, EventSource for uni_sse, ws for uni_websocket.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { after, afterEach, before, describe, test } from 'node:test';
import { Centrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { apiCall, apiPublish, baseConfig, connectionToken, startServer, waitForEvent } from './harness.mjs';

function streamingConfig() {
  return {
    ...baseConfig(),
    // WebSocket off: the HTTP-streaming client below must get there through centrifuge-js's transport fallback.
    websocket: { disabled: true },
    sse: { enabled: true },
    http_stream: { enabled: true },
    uni_sse: { enabled: true },
    uni_http_stream: { enabled: true },
    uni_websocket: { enabled: true },
  };
}

describe('centrifuge-js over the emulation transports', () => {
  let server;
  const clients = [];

  before(async () => { server = await startServer({ config: streamingConfig() }); });
  afterEach(() => { for (const c of clients.splice(0)) c.disconnect(); });
  after(async () => { await server?.stop(); });

  const transports = {
    sse: () => [{ transport: 'sse', endpoint: `${server.httpUrl}/connection/sse` }],
    // The WebSocket endpoint is disabled (404), so the SDK falls back to the next transport in the list.
    http_stream: () => [
      { transport: 'websocket', endpoint: `ws://127.0.0.1:${server.port}/connection/websocket` },
      { transport: 'http_stream', endpoint: `${server.httpUrl}/connection/http_stream` },
    ],
  };

  function create(name, user) {
    const client = new Centrifuge(transports[name](), {
      token: connectionToken(user),
      websocket: WebSocket,
      eventsource: EventSource,
      fetch,
      emulationEndpoint: `${server.httpUrl}/emulation`,
      minReconnectDelay: 100,
      maxReconnectDelay: 1000,
    });
    client.on('error', () => { /* the websocket attempt of the fallback reports an error; asserted on below */ });
    clients.push(client);
    return client;
  }

  async function subscribed(client, channel) {
    const sub = client.newSubscription(channel);
    sub.on('error', () => {});
    const done = waitForEvent(sub, 'subscribed', { what: channel });
    sub.subscribe();
    await done;
    return sub;
  }

  for (const name of Object.keys(transports)) {
    test(`${name}: connects with the ${name} transport, subscribes and receives a server API publication`, async () => {
      const client = create(name, 'alice');
      const connected = waitForEvent(client, 'connected');
      client.connect();
      const ctx = await connected;
      assert.equal(ctx.transport, name);

      const channel = `news-${randomUUID()}`;
      const sub = await subscribed(client, channel);
      const publication = waitForEvent(sub, 'publication');
      await apiPublish(server, channel, { text: `over ${name}` });
      assert.deepEqual((await publication).data, { text: `over ${name}` });
    });

    test(`${name}: a client publication goes out through /emulation and comes back on the stream`, async () => {
      const client = create(name, 'bob');
      client.connect();
      const channel = `chat:${randomUUID()}`;
      const sub = await subscribed(client, channel);
      const publication = waitForEvent(sub, 'publication');
      await sub.publish({ n: 1 });
      assert.deepEqual((await publication).data, { n: 1 });
    });

    test(`${name}: reconnects after a server disconnect and resubscribes`, async () => {
      const client = create(name, `carol-${name}`);
      client.connect();
      const channel = `news-${randomUUID()}`;
      const sub = await subscribed(client, channel);

      const reconnecting = waitForEvent(client, 'connecting');
      const resubscribed = waitForEvent(sub, 'subscribed');
      await apiCall(server, 'disconnect', { user: `carol-${name}`, disconnect: { code: 4000, reason: 'come back' } });
      assert.equal((await reconnecting).code, 4000);
      await resubscribed;

      const publication = waitForEvent(sub, 'publication');
      await apiPublish(server, channel, 'after reconnect');
      assert.equal((await publication).data, 'after reconnect');
    });
  }
});

describe('centrifuge-js Protobuf build over HTTP-streaming', () => {
  let server;
  let client;

  before(async () => { server = await startServer({ config: streamingConfig() }); });
  after(async () => { client?.disconnect(); await server?.stop(); });

  test('http_stream with application/octet-stream: connects, subscribes, receives and publishes through /emulation', async () => {
    client = new ProtobufCentrifuge([{ transport: 'http_stream', endpoint: `${server.httpUrl}/connection/http_stream` }], {
      token: connectionToken('proto-stream'),
      fetch,
      emulationEndpoint: `${server.httpUrl}/emulation`,
    });
    const connected = waitForEvent(client, 'connected');
    client.connect();
    assert.equal((await connected).transport, 'http_stream');

    const channel = `chat:proto-${randomUUID()}`;
    const sub = client.newSubscription(channel);
    const subscribedEvent = waitForEvent(sub, 'subscribed', { what: channel });
    sub.subscribe();
    await subscribedEvent;

    const fromApi = waitForEvent(sub, 'publication');
    await apiPublish(server, channel, { text: 'binary stream' });
    assert.deepEqual(JSON.parse(new TextDecoder().decode((await fromApi).data)), { text: 'binary stream' });

    const fromClient = waitForEvent(sub, 'publication');
    await sub.publish(new TextEncoder().encode(JSON.stringify({ n: 2 })));
    assert.deepEqual(JSON.parse(new TextDecoder().decode((await fromClient).data)), { n: 2 });
  });
});

describe('unidirectional transports with plain clients', () => {
  let server;
  const cleanups = [];

  before(async () => { server = await startServer({ config: streamingConfig() }); });
  afterEach(() => { for (const c of cleanups.splice(0)) c(); });
  after(async () => { await server?.stop(); });

  /** Emits 'push' for every non-ping push (pings are empty objects). */
  function pushes() {
    const emitter = new EventEmitter();
    emitter.feed = text => {
      const push = JSON.parse(text);
      if (Object.keys(push).length > 0) {
        emitter.emit('push', push);
      }
    };
    return emitter;
  }

  test('uni_http_stream: a fetch POST streams the connect push, then publications as bare pushes', async () => {
    const channel = `uni-${randomUUID()}`;
    const abort = new AbortController();
    cleanups.push(() => abort.abort());
    const response = await fetch(`${server.httpUrl}/connection/uni_http_stream`, {
      method: 'POST',
      body: JSON.stringify({ token: connectionToken('u1'), subs: { [channel]: {} } }),
      signal: abort.signal,
    });
    assert.equal(response.status, 200);
    const events = pushes();
    const connect = waitForEvent(events, 'push');
    (async () => {
      const decoder = new TextDecoder();
      let buffered = '';
      try {
        for await (const chunk of response.body) {
          buffered += decoder.decode(chunk, { stream: true });
          let newline;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            events.feed(buffered.slice(0, newline));
            buffered = buffered.slice(newline + 1);
          }
        }
      } catch { /* aborted at cleanup */ }
    })();

    assert.ok((await connect).connect.subs[channel] !== undefined);
    const publication = waitForEvent(events, 'push');
    await apiPublish(server, channel, { x: 1 });
    assert.deepEqual(await publication, { channel, pub: { data: { x: 1 } } });
  });

  test('uni_sse: an EventSource with cf_connect receives the connect push, then publications', async () => {
    const channel = `uni-${randomUUID()}`;
    const request = encodeURIComponent(JSON.stringify({ token: connectionToken('u2'), subs: { [channel]: {} } }));
    const source = new EventSource(`${server.httpUrl}/connection/uni_sse?cf_connect=${request}`);
    cleanups.push(() => source.close());
    const events = pushes();
    source.onmessage = e => events.feed(e.data);
    const connect = await waitForEvent(events, 'push');
    assert.ok(connect.connect.session);

    const publication = waitForEvent(events, 'push');
    await apiPublish(server, channel, 'hi');
    assert.deepEqual(await publication, { channel, pub: { data: 'hi' } });
  });

  test('uni_websocket: the first message connects, then every push is its own message; pings are {}', async () => {
    const channel = `uni-${randomUUID()}`;
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/connection/uni_websocket`);
    cleanups.push(() => socket.terminate());
    const events = pushes();
    const raw = [];
    socket.on('message', data => { raw.push(data.toString()); events.feed(data.toString()); });
    await waitForEvent(socket, 'open');
    const connect = waitForEvent(events, 'push');
    socket.send(JSON.stringify({ token: connectionToken('u3'), subs: { [channel]: {} } }));
    assert.equal((await connect).connect.ping, 2);

    const publication = waitForEvent(events, 'push');
    await apiPublish(server, channel, [1, 2]);
    assert.deepEqual(await publication, { channel, pub: { data: [1, 2] } });

    // The ping interval is 2 s: an app-level ping arrives as an empty push.
    await waitForEvent(socket, 'message', { filter: data => data.toString() === '{}', what: 'a {} ping', timeoutMs: 5000 });
    assert.ok(raw.every(message => !message.includes('\n')));
  });
});
