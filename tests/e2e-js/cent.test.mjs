// The HTTP server API driven by cent.js 6.1.0 (Centrifugo's HTTP API client for Node) against live
// centrifuge-js clients, so that every method is seen to act on real connections, not only to answer.
//
// How cent.js reports failures (node_modules/cent.js/dist/cent.client.js):
// - a 200 response whose body has `error` rejects with `CentException`, built as `new CentException(res.error)`;
//   Error stringifies that object, so the exception's message is "[object Object]" and carries no code. The
//   suite therefore records every exchange on the wire (see `recordFetch`) and asserts the code and message
//   the server sent next to the exception cent.js threw;
// - a response with an empty body (401, 404, 413) rejects with the SyntaxError of `res.json()`;
// - `pipeline` posts to the legacy endpoint (`POST /api`) and maps every reply to its `result`, so a failed
//   command comes back as `undefined` without an exception.
// cent.js 6.1.0 has no `rpc` or `batch` wrapper; `methodFactory`, private in its TypeScript declaration, is the
// function every public method is built with, so `cent.methodFactory('rpc')` sends exactly what a wrapper would.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { CentClient, CentException } from 'cent.js';
import {
  API_KEY,
  ClientPool,
  baseConfig,
  connectSubscriber,
  connectionToken,
  recordPublications,
  recordingWebSocket,
  startServer,
  waitForEvent,
} from './harness.mjs';

function centConfig() {
  const config = baseConfig();
  config.channel.namespaces = [
    { name: 'chat', allow_subscribe_for_client: true, allow_publish_for_client: true },
    { name: 'room', allow_subscribe_for_client: true, presence: true },
    { name: 'feed', allow_subscribe_for_client: true, history_size: 100, history_ttl: '300s' },
  ];
  return config;
}

/**
 * Wraps the global fetch (which cent.js calls) so that each exchange is kept as
 * `{ url, request, status, text }`; `restore()` puts the original back.
 */
function recordFetch() {
  const original = globalThis.fetch;
  const exchanges = [];
  globalThis.fetch = async (url, init) => {
    const response = await original(url, init);
    exchanges.push({
      url: String(url),
      request: typeof init?.body === 'string' ? init.body : undefined,
      status: response.status,
      text: await response.clone().text(),
    });
    return response;
  };
  exchanges.restore = () => { globalThis.fetch = original; };
  return exchanges;
}

/** The rejection of `promise`; fails when it resolves. */
async function rejection(promise) {
  const outcome = await promise.then(value => ({ value }), error => ({ error }));
  assert.ok('error' in outcome, `expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

describe('HTTP API through cent.js', () => {
  let server;
  let cent;
  let wire;
  const pool = new ClientPool();

  before(async () => {
    server = await startServer({ config: centConfig() });
    cent = new CentClient({ url: `${server.httpUrl}/api`, apiKey: API_KEY });
    wire = recordFetch();
  });
  afterEach(() => pool.closeAll());
  after(async () => {
    wire?.restore();
    await server?.stop();
  });

  /** Asserts that `promise` (a cent.js call) rejected with CentException for the API error `{ code, message }`. */
  async function rejectsWithApiError(promise, code, message) {
    const error = await rejection(promise);
    assert.ok(error instanceof CentException, `expected CentException, got ${error}`);
    assert.equal(error.message, '[object Object]');
    const last = wire.at(-1);
    assert.equal(last.status, 200);
    assert.deepEqual(JSON.parse(last.text), { error: { code, message } });
  }

  /** Asserts that `promise` rejected with the SyntaxError of parsing an empty body, and that the server sent `status`. */
  async function rejectsWithEmptyBody(promise, status) {
    const error = await rejection(promise);
    assert.ok(error instanceof SyntaxError, `expected SyntaxError, got ${error}`);
    assert.ok(!(error instanceof CentException));
    const last = wire.at(-1);
    assert.equal(last.status, status);
    assert.equal(last.text, '');
  }

  /** A connected client of `user` without subscriptions, and its client id. */
  async function connectClient(user, options = {}) {
    const client = pool.create(server, { token: connectionToken(user), ...options });
    const connected = waitForEvent(client, 'connected', { what: `${user} connecting` });
    client.connect();
    const ctx = await connected;
    return { client, clientId: ctx.client };
  }

  describe('publish', () => {
    test('a publication reaches the live subscriber with its data and tags', async () => {
      const { sub } = await connectSubscriber(pool, server, { user: 'pub-1', channel: 'cent-news' });
      const received = recordPublications(sub);
      const result = await cent.publish({ channel: 'cent-news', data: { text: 'hello' }, tags: { kind: 'greeting' } });
      assert.deepEqual(result, {}); // no history in this channel: no offset, no epoch
      await received.until(p => p.data?.text === 'hello', { what: 'the publication' });
      assert.equal(received.length, 1);
      assert.deepEqual(received[0].data, { text: 'hello' });
      assert.deepEqual(received[0].tags, { kind: 'greeting' });
    });

    test('a second publish with the same idempotency_key is suppressed: same result, not delivered, not in history', async () => {
      const channel = 'feed:idem';
      const { sub } = await connectSubscriber(pool, server, { user: 'pub-2', channel });
      const received = recordPublications(sub);
      const first = await cent.publish({ channel, data: { n: 1 }, tags: { t: 'x' }, idempotency_key: 'cent-key-1' });
      assert.equal(first.offset, 1);
      assert.equal(typeof first.epoch, 'string');
      assert.notEqual(first.epoch, '');
      const second = await cent.publish({ channel, data: { n: 2 }, tags: { t: 'x' }, idempotency_key: 'cent-key-1' });
      assert.deepEqual(second, first);
      const marker = await cent.publish({ channel, data: { n: 'marker' } });
      assert.equal(marker.offset, 2);
      await received.until(p => p.data?.n === 'marker', { what: 'the marker' });
      assert.deepEqual(received.map(p => p.data.n), [1, 'marker']);
      assert.deepEqual(received[0].tags, { t: 'x' });
      const history = await cent.getHistory({ channel, limit: -1 });
      assert.deepEqual(history.publications.map(p => p.data.n), [1, 'marker']);
    });

    test('skip_history delivers the publication but keeps it out of the stream', async () => {
      const channel = 'feed:cent-skip';
      const { sub } = await connectSubscriber(pool, server, { user: 'pub-3', channel });
      const received = recordPublications(sub);
      assert.equal((await cent.publish({ channel, data: { kept: true } })).offset, 1);
      assert.deepEqual(await cent.publish({ channel, data: { kept: false }, skip_history: true }), {});
      await received.until(p => p.data?.kept === false, { what: 'the publication that skipped history' });
      const history = await cent.getHistory({ channel, limit: -1 });
      assert.deepEqual(history.publications.map(p => p.data), [{ kept: true }]);
      assert.equal(history.offset, 1);
    });

    test('unknown namespace is 102, missing channel and missing data are 107', async () => {
      await rejectsWithApiError(cent.publish({ channel: 'nope:x', data: {} }), 102, 'unknown channel');
      await rejectsWithApiError(cent.publish({ data: { a: 1 } }), 107, 'bad request');
      await rejectsWithApiError(cent.publish({ channel: 'cent-news' }), 107, 'bad request');
    });
  });

  describe('broadcast', () => {
    test('one call reaches subscribers of both channels', async () => {
      const a = await connectSubscriber(pool, server, { user: 'bc-a', channel: 'cent-bc-a' });
      const b = await connectSubscriber(pool, server, { user: 'bc-b', channel: 'chat:cent-bc-b' });
      const receivedA = recordPublications(a.sub);
      const receivedB = recordPublications(b.sub);
      const result = await cent.broadcast({ channels: ['cent-bc-a', 'chat:cent-bc-b'], data: { all: true } });
      assert.deepEqual(result, { responses: [{ result: {} }, { result: {} }] });
      await receivedA.until(p => p.data?.all === true, { what: 'broadcast on cent-bc-a' });
      await receivedB.until(p => p.data?.all === true, { what: 'broadcast on chat:cent-bc-b' });
    });

    test('a bad channel fails alone inside responses; an empty channel list is 107', async () => {
      const { sub } = await connectSubscriber(pool, server, { user: 'bc-c', channel: 'cent-bc-c' });
      const received = recordPublications(sub);
      const result = await cent.broadcast({ channels: ['cent-bc-c', 'nope:x', ''], data: { partial: 1 } });
      assert.deepEqual(result.responses, [
        { result: {} },
        { error: { code: 102, message: 'unknown channel' } },
        { error: { code: 107, message: 'bad request' } },
      ]);
      await received.until(p => p.data?.partial === 1, { what: 'the delivered part of the broadcast' });
      await rejectsWithApiError(cent.broadcast({ channels: [], data: { a: 1 } }), 107, 'bad request');
      await rejectsWithApiError(cent.broadcast({ data: { a: 1 } }), 107, 'bad request');
    });
  });

  describe('subscribe', () => {
    test('a server-side subscription reaches the chosen connection, which then gets publications', async () => {
      const one = await connectClient('ss-user');
      const two = await connectClient('ss-user');
      const subscribed = waitForEvent(one.client, 'subscribed', { filter: ctx => ctx.channel === 'chat:cent-ss', what: 'server-side subscribed' });
      const result = await cent.subscribe({ user: 'ss-user', channel: 'chat:cent-ss', client: one.clientId, data: { welcome: 1 } });
      assert.deepEqual(result, {});
      const ctx = await subscribed;
      assert.deepEqual(ctx.data, { welcome: 1 });
      const publication = waitForEvent(one.client, 'publication', { filter: p => p.channel === 'chat:cent-ss', what: 'publication on the server-side subscription' });
      await cent.publish({ channel: 'chat:cent-ss', data: { after: 'subscribe' } });
      assert.deepEqual((await publication).data, { after: 'subscribe' });
      // Only the named client was subscribed: the channel has one subscriber, not two.
      assert.deepEqual(await cent.getChannels({ pattern: 'chat:cent-ss' }), { channels: { 'chat:cent-ss': { num_clients: 1 } } });
      assert.equal(two.client.state, 'connected');
    });

    test('without client every connection of the user is subscribed', async () => {
      const connections = [await connectClient('ss-all'), await connectClient('ss-all')];
      const subscribed = connections.map(({ client }) => waitForEvent(client, 'subscribed', { filter: ctx => ctx.channel === 'cent-ss-all', what: 'server-side subscribed' }));
      await cent.subscribe({ user: 'ss-all', channel: 'cent-ss-all' });
      await Promise.all(subscribed);
      assert.deepEqual(await cent.getChannels({ pattern: 'cent-ss-all' }), { channels: { 'cent-ss-all': { num_clients: 2 } } });
    });

    test('unknown namespace is 102, missing channel is 107', async () => {
      await rejectsWithApiError(cent.subscribe({ user: 'ss-user', channel: 'nope:x' }), 102, 'unknown channel');
      await rejectsWithApiError(cent.subscribe({ user: 'ss-user' }), 107, 'bad request');
    });
  });

  describe('unsubscribe', () => {
    test('the client-side subscription is unsubscribed by the server', async () => {
      const { sub } = await connectSubscriber(pool, server, { user: 'unsub-1', channel: 'chat:cent-unsub' });
      const unsubscribed = waitForEvent(sub, 'unsubscribed', { what: 'server unsubscribe' });
      assert.deepEqual(await cent.unsubscribe({ user: 'unsub-1', channel: 'chat:cent-unsub' }), {});
      const ctx = await unsubscribed;
      assert.equal(ctx.code, 2000);
      assert.equal(ctx.reason, 'server unsubscribe');
      assert.equal(sub.state, 'unsubscribed');
    });

    test('a server-side subscription ends with the client-level unsubscribed event', async () => {
      const { client } = await connectClient('unsub-2');
      const subscribed = waitForEvent(client, 'subscribed', { filter: ctx => ctx.channel === 'cent-unsub-ss', what: 'server-side subscribed' });
      await cent.subscribe({ user: 'unsub-2', channel: 'cent-unsub-ss' });
      await subscribed;
      const unsubscribed = waitForEvent(client, 'unsubscribed', { filter: ctx => ctx.channel === 'cent-unsub-ss', what: 'server-side unsubscribed' });
      await cent.unsubscribe({ user: 'unsub-2', channel: 'cent-unsub-ss' });
      await unsubscribed;
      assert.deepEqual(await cent.getChannels({ pattern: 'cent-unsub-ss' }), { channels: {} });
    });

    test('unknown namespace is 102', async () => {
      await rejectsWithApiError(cent.unsubscribe({ user: 'unsub-1', channel: 'nope:x' }), 102, 'unknown channel');
    });
  });

  describe('disconnect', () => {
    test('the user is disconnected with the given code and reason', async () => {
      const { client } = await connectClient('dc-1');
      const disconnected = waitForEvent(client, 'disconnected', { what: 'server disconnect' });
      assert.deepEqual(await cent.disconnect({ user: 'dc-1', disconnect: { code: 4501, reason: 'cent says bye' } }), {});
      assert.deepEqual(await disconnected, { code: 4501, reason: 'cent says bye' });
    });

    test('a reconnect code (4000-4499) makes the client reconnect', async () => {
      const { client, clientId } = await connectClient('dc-3');
      const connecting = waitForEvent(client, 'connecting', { what: 'reconnect after server disconnect' });
      const reconnected = waitForEvent(client, 'connected', { what: 'reconnected' });
      await cent.disconnect({ user: 'dc-3', disconnect: { code: 4001, reason: 'come back' } });
      assert.deepEqual(await connecting, { code: 4001, reason: 'come back' });
      assert.notEqual((await reconnected).client, clientId);
    });

    test('without a disconnect object the code is 3503 force disconnect; whitelisted clients stay', async () => {
      const leaving = await connectClient('dc-2');
      const staying = await connectSubscriber(pool, server, { user: 'dc-2', channel: 'cent-dc-stay' });
      const disconnected = waitForEvent(leaving.client, 'disconnected', { what: 'default disconnect' });
      await cent.disconnect({ user: 'dc-2', whitelist: [staying.clientId] });
      assert.deepEqual(await disconnected, { code: 3503, reason: 'force disconnect' });
      const received = recordPublications(staying.sub);
      await cent.publish({ channel: 'cent-dc-stay', data: { still: 'here' } });
      await received.until(p => p.data?.still === 'here', { what: 'publication to the whitelisted client' });
      assert.equal(staying.client.state, 'connected');
    });
  });

  describe('refresh', () => {
    test('expire_at in the future keeps the connection and pushes a refresh with the new ttl', async () => {
      const { WebSocket, traffic } = recordingWebSocket();
      const { client, sub } = await connectSubscriber(pool, server, { user: 'rf-1', channel: 'cent-rf', client: { websocket: WebSocket } });
      const refreshPush = waitForEvent(traffic, 'received', { filter: line => line.includes('"refresh"'), what: 'refresh push' });
      const expireAt = Math.floor(Date.now() / 1000) + 600;
      assert.deepEqual(await cent.refresh({ user: 'rf-1', expire_at: expireAt }), {});
      const push = JSON.parse(await refreshPush).push.refresh;
      assert.equal(push.expires, true);
      assert.ok(push.ttl > 590 && push.ttl <= 600, `ttl ${push.ttl}`);
      const received = recordPublications(sub);
      await cent.publish({ channel: 'cent-rf', data: { after: 'refresh' } });
      await received.until(p => p.data?.after === 'refresh', { what: 'publication after refresh' });
      assert.equal(client.state, 'connected');
    });

    test('expired: true closes the connection with 3005 connection expired', async () => {
      const { client } = await connectClient('rf-2');
      const connecting = waitForEvent(client, 'connecting', { what: 'reconnect after expiry' });
      assert.deepEqual(await cent.refresh({ user: 'rf-2', expired: true }), {});
      const ctx = await connecting;
      assert.equal(ctx.code, 3005);
      assert.equal(ctx.reason, 'connection expired');
    });
  });

  describe('presence and presence_stats', () => {
    test('show the live clients of a presence namespace', async () => {
      const channel = 'room:cent-lobby';
      const a1 = await connectSubscriber(pool, server, { user: 'pr-a', channel });
      const a2 = await connectSubscriber(pool, server, { user: 'pr-a', channel });
      const b = await connectSubscriber(pool, server, { user: 'pr-b', channel });
      const presence = await cent.getPresence({ channel });
      assert.deepEqual(presence, {
        presence: {
          [a1.clientId]: { user: 'pr-a', client: a1.clientId },
          [a2.clientId]: { user: 'pr-a', client: a2.clientId },
          [b.clientId]: { user: 'pr-b', client: b.clientId },
        },
      });
      assert.deepEqual(await cent.getPresenceStats({ channel }), { num_clients: 3, num_users: 2 });

    });

    test('unknown namespace is 102, missing channel is 107, a namespace without presence is 108', async () => {
      for (const method of ['getPresence', 'getPresenceStats']) {
        await rejectsWithApiError(cent[method]({ channel: 'nope:x' }), 102, 'unknown channel');
        await rejectsWithApiError(cent[method]({}), 107, 'bad request');
        await rejectsWithApiError(cent[method]({ channel: 'chat:cent-lobby' }), 108, 'not available');
      }
    });
  });

  describe('history and history_remove', () => {
    test('limit, since and reverse select from the stream; history_remove keeps the position', async () => {
      const channel = 'feed:cent-hist';
      const { sub } = await connectSubscriber(pool, server, { user: 'hist-1', channel });
      const received = recordPublications(sub);
      for (let n = 1; n <= 5; n++) {
        await cent.publish({ channel, data: { n } });
      }
      await received.until(p => p.data?.n === 5, { what: 'the fifth publication' });

      const offsets = h => h.publications.map(p => p.offset);
      const positionOnly = await cent.getHistory({ channel });
      assert.deepEqual(positionOnly.publications ?? [], []);
      assert.equal(positionOnly.offset, 5);
      const { epoch } = positionOnly;
      assert.ok(epoch.length > 0);

      const firstTwo = await cent.getHistory({ channel, limit: 2 });
      assert.deepEqual(offsets(firstTwo), [1, 2]);
      assert.deepEqual(firstTwo.publications.map(p => p.data), [{ n: 1 }, { n: 2 }]);
      assert.equal(firstTwo.offset, 5);
      assert.equal(firstTwo.epoch, epoch);

      assert.deepEqual(offsets(await cent.getHistory({ channel, limit: -1, since: { offset: 2, epoch } })), [3, 4, 5]);
      assert.deepEqual(offsets(await cent.getHistory({ channel, limit: 2, reverse: true })), [5, 4]);
      assert.deepEqual(offsets(await cent.getHistory({ channel, limit: -1, reverse: true, since: { offset: 4, epoch } })), [3, 2, 1]);
      await rejectsWithApiError(cent.getHistory({ channel, limit: -1, since: { offset: 2, epoch: 'not-the-epoch' } }), 112, 'unrecoverable position');

      assert.deepEqual(await cent.removeHistory({ channel }), {});
      const afterRemove = await cent.getHistory({ channel, limit: -1 });
      assert.deepEqual(afterRemove.publications ?? [], []);
      assert.equal(afterRemove.offset, 5);
      assert.equal(afterRemove.epoch, epoch);
      assert.equal((await cent.publish({ channel, data: { n: 6 } })).offset, 6);
    });

    test('unknown namespace is 102, missing channel is 107, a namespace without history is 108', async () => {
      for (const method of ['getHistory', 'removeHistory']) {
        await rejectsWithApiError(cent[method]({ channel: 'nope:x' }), 102, 'unknown channel');
        await rejectsWithApiError(cent[method]({}), 107, 'bad request');
        await rejectsWithApiError(cent[method]({ channel: 'chat:cent-hist' }), 108, 'not available');
      }
    });
  });

  describe('channels', () => {
    test('lists the channels with live subscribers that match the pattern, with client counts', async () => {
      await connectSubscriber(pool, server, { user: 'ch-1', channel: 'cent-chan-a' });
      await connectSubscriber(pool, server, { user: 'ch-2', channel: 'cent-chan-a' });
      await connectSubscriber(pool, server, { user: 'ch-3', channel: 'cent-chan-b' });
      await connectSubscriber(pool, server, { user: 'ch-4', channel: 'chat:cent-chan-c' });
      assert.deepEqual(await cent.getChannels({ pattern: 'cent-chan-*' }), {
        channels: { 'cent-chan-a': { num_clients: 2 }, 'cent-chan-b': { num_clients: 1 } },
      });
      assert.deepEqual(await cent.getChannels({ pattern: 'cent-chan-?' }), {
        channels: { 'cent-chan-a': { num_clients: 2 }, 'cent-chan-b': { num_clients: 1 } },
      });
      assert.deepEqual(await cent.getChannels({ pattern: '*:cent-chan-*' }), { channels: { 'chat:cent-chan-c': { num_clients: 1 } } });
      assert.deepEqual(await cent.getChannels({ pattern: 'cent-chan-none-*' }), { channels: {} });
      const all = await cent.getChannels();
      for (const channel of ['cent-chan-a', 'cent-chan-b', 'chat:cent-chan-c']) {
        assert.ok(channel in all.channels, `${channel} in ${JSON.stringify(all.channels)}`);
      }
    });
  });

  describe('rpc', () => {
    test('an unknown method is 104, an empty method is 107', async () => {
      const rpc = cent.methodFactory('rpc');
      await rejectsWithApiError(rpc({ method: 'no-such-extension', params: { a: 1 } }), 104, 'not found');
      await rejectsWithApiError(rpc({ params: {} }), 107, 'bad request');
    });
  });

  describe('batch', () => {
    test('sequential commands run in order and each reply sits at its command', async () => {
      const { sub } = await connectSubscriber(pool, server, { user: 'batch-1', channel: 'feed:cent-batch' });
      const received = recordPublications(sub);
      const batch = cent.methodFactory('batch');
      const resolved = await batch({
        commands: [
          { publish: { channel: 'feed:cent-batch', data: { step: 1 } } },
          { publish: { channel: 'nope:x', data: { step: 'x' } } },
          { publish: { channel: 'feed:cent-batch', data: { step: 2 } } },
          { no_such_method: {} },
          { history: { channel: 'feed:cent-batch', limit: -1 } },
        ],
      });
      // A batch answers `{ replies }` without the `result` envelope, so cent.js resolves `{}`; the replies are on the wire.
      assert.deepEqual(resolved, {});
      const [first, unknownChannel, second, unknownMethod, history] = JSON.parse(wire.at(-1).text).replies;
      assert.equal(first.publish.offset, 1);
      assert.deepEqual(unknownChannel, { error: { code: 102, message: 'unknown channel' } });
      assert.equal(second.publish.offset, 2);
      assert.deepEqual(unknownMethod, { error: { code: 104, message: 'not found' } });
      // Sequential: the history command saw both publications that preceded it.
      assert.deepEqual(history.history.publications.map(p => p.data), [{ step: 1 }, { step: 2 }]);
      await received.until(p => p.data?.step === 2, { what: 'second batch publication' });
      assert.deepEqual(received.map(p => p.data.step), [1, 2]);
    });

    test('parallel commands all run and replies keep command order', async () => {
      const a = await connectSubscriber(pool, server, { user: 'batch-2', channel: 'cent-batch-a' });
      const b = await connectSubscriber(pool, server, { user: 'batch-3', channel: 'cent-batch-b' });
      const receivedA = recordPublications(a.sub);
      const receivedB = recordPublications(b.sub);
      const resolved = await cent.methodFactory('batch')({
        parallel: true,
        commands: [
          { publish: { channel: 'cent-batch-a', data: { p: 'a' } } },
          { publish: { channel: 'cent-batch-b', data: { p: 'b' } } },
          { presence: { channel: 'nope:x' } },
          { info: {} },
        ],
      });
      assert.deepEqual(resolved, {});
      const result = JSON.parse(wire.at(-1).text);
      assert.equal(result.replies.length, 4);
      assert.deepEqual(result.replies.slice(0, 3), [
        { publish: {} },
        { publish: {} },
        { error: { code: 102, message: 'unknown channel' } },
      ]);
      assert.equal(result.replies[3].info.nodes.length, 1);
      await receivedA.until(p => p.data?.p === 'a', { what: 'parallel publication a' });
      await receivedB.until(p => p.data?.p === 'b', { what: 'parallel publication b' });
    });
  });

  describe('pipeline (legacy endpoint)', () => {
    test('results come back per command; a failed command is undefined', async () => {
      const { sub } = await connectSubscriber(pool, server, { user: 'pipe-1', channel: 'room:cent-pipe' });
      const received = recordPublications(sub);
      const results = await cent.pipeline([
        { method: 'publish', params: { channel: 'room:cent-pipe', data: { via: 'pipeline' } } },
        { method: 'presence_stats', params: { channel: 'room:cent-pipe' } },
        { method: 'publish', params: { channel: 'nope:x', data: {} } },
        { method: 'no_such_method', params: {} },
      ]);
      assert.deepEqual(results, [{}, { num_clients: 1, num_users: 1 }, undefined, undefined]);
      const last = wire.at(-1);
      assert.equal(last.url, `${server.httpUrl}/api`);
      assert.deepEqual(last.text.split('\n').map(line => JSON.parse(line)), [
        { result: {} },
        { result: { num_clients: 1, num_users: 1 } },
        { error: { code: 102, message: 'unknown channel' } },
        { error: { code: 104, message: 'not found' } },
      ]);
      await received.until(p => p.data?.via === 'pipeline', { what: 'publication sent through pipeline' });
    });
  });

  describe('failures outside the API envelope', () => {
    test('a wrong API key is 401 with an empty body, which cent.js surfaces as a SyntaxError', async () => {
      const wrong = new CentClient({ url: `${server.httpUrl}/api`, apiKey: 'not-the-key' });
      await rejectsWithEmptyBody(wrong.publish({ channel: 'cent-news', data: { a: 1 } }), 401);
      const keyless = new CentClient({ url: `${server.httpUrl}/api` });
      await rejectsWithEmptyBody(keyless.getInfo(), 401);
    });

    test('an unknown method path is 404 with an empty body', async () => {
      await rejectsWithEmptyBody(cent.methodFactory('no_such_method')({}), 404);
    });

    test('a body over 10 MiB is refused with 413 and an empty body', async () => {
      const { sub } = await connectSubscriber(pool, server, { user: 'big-1', channel: 'cent-big' });
      const received = recordPublications(sub);
      await rejectsWithEmptyBody(cent.publish({ channel: 'cent-big', data: { blob: 'x'.repeat(10 * 1024 * 1024) } }), 413);
      await cent.publish({ channel: 'cent-big', data: { small: true } });
      await received.until(p => p.data?.small === true, { what: 'the publication after the refused one' });
      assert.equal(received.length, 1);
    });
  });
});

describe('info through cent.js', () => {
  let server;
  const pool = new ClientPool();

  before(async () => { server = await startServer({ config: centConfig() }); });
  after(async () => {
    pool.closeAll();
    await server?.stop();
  });

  test('one node whose counts match the live clients', async () => {
    const cent = new CentClient({ url: `${server.httpUrl}/api`, apiKey: API_KEY });
    const empty = await cent.getInfo();
    assert.equal(empty.nodes.length, 1);
    assert.equal(empty.nodes[0].num_clients, 0);

    const first = await connectSubscriber(pool, server, { user: 'info-1', channel: 'cent-info-a' });
    const second = pool.subscribe(first.client, 'cent-info-b');
    await waitForEvent(second, 'subscribed');
    await connectSubscriber(pool, server, { user: 'info-1', channel: 'cent-info-a' });
    await connectSubscriber(pool, server, { user: 'info-2', channel: 'chat:cent-info-c' });

    const { nodes } = await cent.getInfo();
    assert.equal(nodes.length, 1);
    const [node] = nodes;
    assert.equal(typeof node.uid, 'string');
    assert.ok(node.uid.length > 0);
    assert.equal(typeof node.name, 'string');
    assert.equal(typeof node.version, 'string');
    assert.equal(node.num_clients, 3);
    assert.equal(node.num_users, 2);
    assert.equal(node.num_channels, 3);
    assert.equal(node.num_subs, 4);
  });
});
