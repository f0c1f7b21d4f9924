// Fossil delta compression checked against the decoder centrifuge-js ships: a delta subscriber must see
// exactly what a full subscriber sees, live and after a recovery.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  ClientPool, apiPublish, baseConfig, connectSubscriber, recordPublications, recordingWebSocket, startServer, waitForEvent,
} from './harness.mjs';

function deltaConfig() {
  const config = baseConfig();
  config.channel.namespaces = [{
    name: 'doc',
    allow_subscribe_for_client: true,
    history_size: 200,
    history_ttl: '300s',
    force_recovery: true,
    allowed_delta_types: ['fossil'],
    delta_publish: true,
  }];
  return config;
}

/** The seed of this run's random edits: GYRE_E2E_SEED replays a failed run, else the clock. */
const baseSeed = Number(process.env.GYRE_E2E_SEED ?? Date.now() % 2 ** 31);

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed from the seed it prints. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fragments chosen to stress the JSON-string form of patches: quotes, backslashes, control characters and
// multi-byte UTF-8 (a patch that would cut a character in two is not valid UTF-8 and must be sent in full).
const WORDS = ['alpha', 'beta', 'gamma', 'żółw', '🐢 turtle', 'quote"d', 'back\\slash', 'line\nbreak', 'tab\there',
  'ctrl\u0001char', 'naïve café', '日本語テキスト', 'ümlaut', 'zero', 'x'.repeat(12)];

/** A ~1 KB JSON document and random edits of it: values changed, items inserted, removed and moved. */
function documentEditor(random) {
  const pick = list => list[Math.floor(random() * list.length)];
  const int = n => Math.floor(random() * n);
  const phrase = () => Array.from({ length: 1 + int(4) }, () => pick(WORDS)).join(' ');
  const item = id => ({ id, name: phrase(), qty: int(100), price: Math.round(random() * 10000) / 100, done: random() < 0.5 });

  let nextId = 1;
  const doc = {
    title: phrase(),
    revision: 0,
    tags: [pick(WORDS), pick(WORDS)],
    owner: { name: 'Zoë', email: 'zoe@example.com', roles: ['admin', 'editor'] },
    items: Array.from({ length: 8 }, () => item(nextId++)),
    notes: phrase() + ' ' + phrase(),
  };
  const edits = [
    () => { pick(doc.items).qty = int(1000); },
    () => { pick(doc.items).name = phrase(); },
    () => { pick(doc.items).done = random() < 0.5; },
    () => { if (doc.items.length < 14) doc.items.splice(int(doc.items.length + 1), 0, item(nextId++)); },
    () => { if (doc.items.length > 4) doc.items.splice(int(doc.items.length), 1); },
    () => { const [moved] = doc.items.splice(int(doc.items.length), 1); doc.items.splice(int(doc.items.length + 1), 0, moved); },
    () => { doc.title = phrase(); },
    () => { doc.notes = (doc.notes + ' ' + phrase()).slice(-200); },
    () => { doc.tags = doc.tags.length > 5 ? doc.tags.slice(1) : [...doc.tags, pick(WORDS)]; },
    () => { doc.owner.name = pick(['Zoë', 'Zoe', 'Zoë Ω', 'Z']); },
  ];
  return {
    /** Applies one to three random edits and returns a deep copy of the document. */
    next() {
      for (let i = 1 + int(3); i > 0; i--) {
        pick(edits)();
      }
      doc.revision++;
      return structuredClone(doc);
    },
  };
}

/** Publication pushes for `channel` among the recorded received lines, as parsed `pub` objects. */
function publicationPushes(traffic, channel) {
  return traffic.received
    .map(line => JSON.parse(line))
    .filter(m => m.push?.pub && m.push.channel === channel)
    .map(m => m.push.pub);
}

function subscribeReplies(traffic) {
  return traffic.received.map(line => JSON.parse(line)).filter(m => m.subscribe).map(m => m.subscribe);
}

describe('fossil delta', () => {
  let server;
  const pool = new ClientPool();

  before(async () => { server = await startServer({ config: deltaConfig() }); });
  afterEach(() => pool.closeAll());
  after(async () => { await server?.stop(); });

  async function publishEdits(channel, editor, count) {
    const docs = [];
    for (let i = 0; i < count; i++) {
      const doc = editor.next();
      docs.push(doc);
      await apiPublish(server, channel, doc);
    }
    return docs;
  }

  test('a fossil delta subscriber receives data identical to a full subscriber over 100 random edits of a 1 KB document', async t => {
    t.diagnostic(`replay these edits with GYRE_E2E_SEED=${baseSeed}`);
    const editor = documentEditor(prng(baseSeed));
    const channel = `doc:${randomUUID()}`;
    const { WebSocket: FullWs, traffic: fullTraffic } = recordingWebSocket();
    const { WebSocket: DeltaWs, traffic: deltaTraffic } = recordingWebSocket();
    const full = await connectSubscriber(pool, server, { user: 'full', channel, client: { websocket: FullWs } });
    const delta = await connectSubscriber(pool, server, { user: 'delta', channel, subscription: { delta: 'fossil' }, client: { websocket: DeltaWs } });
    const fullReceived = recordPublications(full.sub);
    const deltaReceived = recordPublications(delta.sub);

    const docs = await publishEdits(channel, editor, 100);
    const last = docs.at(-1).revision;
    await fullReceived.until(p => p.data.revision === last, { what: 'the last edit on the full subscriber' });
    await deltaReceived.until(p => p.data.revision === last, { what: 'the last edit on the delta subscriber' });

    assert.equal(subscribeReplies(deltaTraffic)[0].delta, true, 'delta negotiated for the fossil subscriber');
    assert.notEqual(subscribeReplies(fullTraffic)[0].delta, true, 'no delta for the subscriber that did not ask');
    assert.ok(JSON.stringify(docs.at(-1)).length > 700, 'the document is about a kilobyte');
    assert.deepEqual(fullReceived.map(p => p.data), docs, 'the full subscriber receives every edit');
    assert.deepEqual(deltaReceived.map(p => p.data), fullReceived.map(p => p.data), 'the delta subscriber receives the same data');

    const deltaWire = publicationPushes(deltaTraffic, channel);
    assert.equal(deltaWire.length, 100);
    assert.ok(deltaWire.every(pub => typeof pub.data === 'string'), 'on JSON every publication of a delta subscription carries data as a string');
    assert.notEqual(deltaWire[0].delta, true, 'the first publication after subscribe is full');
    const patches = deltaWire.filter(pub => pub.delta === true).length;
    assert.ok(patches >= 50, `most edits travel as fossil patches (${patches} of 100)`);
    const fullWire = publicationPushes(fullTraffic, channel);
    assert.ok(fullWire.every(pub => pub.delta !== true && typeof pub.data === 'object'), 'the full subscriber gets embedded JSON, never patches');
  });

  test('a fossil delta subscriber that recovers after a disconnect decodes the recovered chain and the live edits after it', async t => {
    t.diagnostic(`replay these edits with GYRE_E2E_SEED=${baseSeed}`);
    const editor = documentEditor(prng(baseSeed + 1));
    const channel = `doc:${randomUUID()}`;
    const { WebSocket: DeltaWs, traffic: deltaTraffic } = recordingWebSocket();
    const full = await connectSubscriber(pool, server, { user: 'full', channel });
    const delta = await connectSubscriber(pool, server, { user: 'delta', channel, subscription: { delta: 'fossil' }, client: { websocket: DeltaWs } });
    const fullReceived = recordPublications(full.sub);
    const deltaReceived = recordPublications(delta.sub);

    const before = await publishEdits(channel, editor, 10);
    await deltaReceived.until(p => p.data.revision === before.at(-1).revision);
    const disconnected = waitForEvent(delta.client, 'disconnected');
    delta.client.disconnect();
    await disconnected;

    const missed = await publishEdits(channel, editor, 20);
    const resubscribed = waitForEvent(delta.sub, 'subscribed');
    delta.client.connect();
    const ctx = await resubscribed;
    assert.equal(ctx.recovered, true);

    const afterwards = await publishEdits(channel, editor, 20);
    const last = afterwards.at(-1).revision;
    await fullReceived.until(p => p.data.revision === last);
    await deltaReceived.until(p => p.data.revision === last);

    const docs = [...before, ...missed, ...afterwards];
    assert.deepEqual(fullReceived.map(p => p.data), docs);
    assert.deepEqual(deltaReceived.map(p => p.data), docs, 'the delta subscriber decodes all 50 edits, 20 of them recovered');

    const recovery = subscribeReplies(deltaTraffic).at(-1);
    assert.equal(recovery.delta, true);
    assert.equal(recovery.publications.length, 20);
    assert.notEqual(recovery.publications[0].delta, true, 'the recovered chain starts with a full publication');
    assert.ok(recovery.publications.some(pub => pub.delta === true), 'later recovered publications are patches');
    const liveAfter = publicationPushes(deltaTraffic, channel).slice(-20);
    assert.ok(liveAfter.filter(pub => pub.delta === true).length >= 10, 'live edits after the recovery continue as patches');
  });
});
