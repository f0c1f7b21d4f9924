// Recovery of missed publications as centrifuge-js sees it: stream mode after a manual disconnect and after
// transport drops under concurrent publishing, cache mode, and a gap larger than the history.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  ClientPool, apiPublish, baseConfig, connectSubscriber, recordPublications, recordingWebSocket, startServer, waitForEvent,
} from './harness.mjs';

function recoveryConfig() {
  const config = baseConfig();
  // The racing test may miss several hundred publications per drop: the limit is raised so that what it
  // checks is the merge of history and live publications, not the default cap of 300.
  config.client.recovery_max_publication_limit = 5000;
  const common = { allow_subscribe_for_client: true, history_ttl: '300s', force_recovery: true };
  config.channel.namespaces = [
    { name: 'stream', ...common, history_size: 5000 },
    { name: 'cache', ...common, history_size: 10, force_recovery_mode: 'cache' },
    { name: 'short', ...common, history_size: 5 },
  ];
  return config;
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('recovery', () => {
  let server;
  const pool = new ClientPool();

  before(async () => { server = await startServer({ config: recoveryConfig() }); });
  afterEach(() => pool.closeAll());
  after(async () => { await server?.stop(); });

  async function publishSeqs(channel, seqs) {
    for (const seq of seqs) {
      await apiPublish(server, channel, { seq });
    }
  }

  /** Disconnects `client` and resolves once the SDK reports it disconnected. */
  async function disconnect(client) {
    const disconnected = waitForEvent(client, 'disconnected');
    client.disconnect();
    await disconnected;
  }

  /** Connects `client` again and resolves with the `subscribed` context of `sub`'s resubscribe. */
  async function reconnect(client, sub) {
    const resubscribed = waitForEvent(sub, 'subscribed', { what: 'resubscribe after connect()' });
    client.connect();
    return resubscribed;
  }

  test('publications sent while the client was disconnected are recovered on reconnect, in order, none twice', async () => {
    const channel = `stream:${randomUUID()}`;
    const { client, sub, subscribed } = await connectSubscriber(pool, server, { user: 'alice', channel });
    assert.equal(subscribed.recoverable, true, 'force_recovery makes the subscription recoverable');
    assert.equal(subscribed.wasRecovering, false, 'a first subscribe has nothing to recover');
    const received = recordPublications(sub);

    await publishSeqs(channel, range(1, 3));
    await received.until(p => p.data.seq === 3, { what: 'seq 3 before the disconnect' });
    await disconnect(client);
    await publishSeqs(channel, range(4, 13));

    const ctx = await reconnect(client, sub);
    assert.equal(ctx.wasRecovering, true);
    assert.equal(ctx.recovered, true);
    assert.equal(ctx.hasRecoveredPublications, true);

    await publishSeqs(channel, [14]);
    await received.until(p => p.data.seq === 14, { what: 'the live publication after the recovery' });
    assert.deepEqual(received.map(p => p.data.seq), range(1, 14));
    assert.deepEqual(received.map(p => p.offset), range(1, 14), 'offsets are the stream positions 1..14');
  });

  test('publications racing the resubscribe after transport drops are each delivered exactly once, in stream order', async () => {
    const channel = `stream:${randomUUID()}`;
    const { WebSocket, traffic } = recordingWebSocket();
    const { client, sub } = await connectSubscriber(pool, server, { user: 'alice', channel, client: { websocket: WebSocket } });
    const received = recordPublications(sub);
    const published = [];
    const resubscribes = [];
    sub.on('subscribed', ctx => resubscribes.push(ctx));

    // Three publishers, each awaiting its own publish before the next, so each one's publications enter the
    // stream in its seq order. The transport is cut (terminate: no close frame, like a network failure) once
    // 40 publications are out, and again 60 publications after each resubscribe, three times in all; the SDK
    // reconnects on its own and resubscribes with recover while the publishers keep going. Publishing stops
    // only once the last resubscribe is 60 publications behind, and not before 300 publications.
    const drops = 3;
    let dropped = 0;
    let dropAt = 40;
    function maybeDrop() {
      if (dropped < drops && published.length >= dropAt && sub.state === 'subscribed' && resubscribes.length === dropped) {
        dropped++;
        traffic.current.terminate();
      }
    }
    sub.on('subscribed', () => { dropAt = published.length + 60; });
    const finished = () => dropped === drops && resubscribes.length === drops && published.length >= Math.max(300, dropAt);
    async function publisher(p) {
      for (let seq = 1; !finished(); seq++) {
        if (published.length > 20_000) {
          throw new Error(`no end after ${published.length} publications: ${dropped} drops, ${resubscribes.length} resubscribes`);
        }
        const { result } = await apiPublish(server, channel, { p, seq });
        published.push({ offset: Number(result.offset), p, seq });
        maybeDrop();
      }
    }
    await Promise.all([0, 1, 2].map(publisher));

    await apiPublish(server, channel, { end: true });
    await received.until(p => p.data.end === true, { what: 'the end marker' });
    const live = received.slice(0, -1);

    assert.equal(resubscribes.length, drops);
    for (const [i, ctx] of resubscribes.entries()) {
      assert.equal(ctx.wasRecovering, true, `resubscribe ${i + 1} recovers`);
      assert.equal(ctx.recovered, true, `resubscribe ${i + 1} recovered`);
    }
    const expected = published.toSorted((a, b) => a.offset - b.offset);
    assert.deepEqual(expected.map(e => e.offset), range(1, published.length), 'the API assigned offsets 1..N');
    assert.deepEqual(
      live.map(p => `${p.offset}:${p.data.p}/${p.data.seq}`),
      expected.map(e => `${e.offset}:${e.p}/${e.seq}`),
      'every publication exactly once, in stream order');
    for (const p of [0, 1, 2]) {
      const seqs = live.filter(x => x.data.p === p).map(x => x.data.seq);
      assert.deepEqual(seqs, range(1, seqs.length), `publisher ${p}'s publications in the order it sent them`);
    }
    assert.equal(client.state, 'connected');
  });

  test('in cache mode a reconnecting client is given only the latest publication', async () => {
    const channel = `cache:${randomUUID()}`;
    const { client, sub } = await connectSubscriber(pool, server, { user: 'alice', channel });
    const received = recordPublications(sub);

    await publishSeqs(channel, [1]);
    await received.until(p => p.data.seq === 1);
    await disconnect(client);
    await publishSeqs(channel, range(2, 6));

    const ctx = await reconnect(client, sub);
    assert.equal(ctx.wasRecovering, true);
    assert.equal(ctx.recovered, true);

    await publishSeqs(channel, [7]);
    await received.until(p => p.data.seq === 7, { what: 'the live publication after the cache recovery' });
    assert.deepEqual(received.map(p => p.data.seq), [1, 6, 7], 'of 2..6 only the latest, 6, is delivered');
  });

  test('a gap larger than the history is reported as not recovered and the subscription keeps receiving', async () => {
    const channel = `short:${randomUUID()}`;
    const { client, sub } = await connectSubscriber(pool, server, { user: 'alice', channel });
    const received = recordPublications(sub);

    await publishSeqs(channel, [1]);
    await received.until(p => p.data.seq === 1);
    await disconnect(client);
    await publishSeqs(channel, range(2, 11)); // 10 missed, history keeps 5

    const ctx = await reconnect(client, sub);
    assert.equal(ctx.wasRecovering, true);
    assert.equal(ctx.recovered, false);
    assert.equal(ctx.hasRecoveredPublications, false);

    await publishSeqs(channel, [12]);
    await received.until(p => p.data.seq === 12, { what: 'a live publication after the failed recovery' });
    assert.deepEqual(received.map(p => p.data.seq), [1, 12], 'nothing of the gap is delivered');

    // The position adopted from the unrecovered reply is good for the next recovery.
    await disconnect(client);
    await publishSeqs(channel, [13, 14]);
    const again = await reconnect(client, sub);
    assert.equal(again.recovered, true, 'the next short disconnect recovers');
    await publishSeqs(channel, [15]);
    await received.until(p => p.data.seq === 15);
    assert.deepEqual(received.map(p => p.data.seq), [1, 12, 13, 14, 15]);
  });
});
