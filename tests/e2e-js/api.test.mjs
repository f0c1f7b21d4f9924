// HTTP server API: authentication and request decoding failures of POST /api/publish.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiCall, startServer } from './harness.mjs';

describe('HTTP API', () => {
  let server;

  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  test('publish with the right API key and a JSON body is answered 200 with a result and no error', async () => {
    const res = await apiCall(server, 'publish', { channel: 'api-ok', data: { x: 1 } });
    assert.equal(res.status, 200);
    assert.equal(res.json?.error, undefined);
    assert.equal(typeof res.json?.result, 'object');
  });

  test('publish with a wrong API key is answered 401', async () => {
    const res = await apiCall(server, 'publish', { channel: 'api-auth', data: { x: 1 } }, { key: 'wrong-key' });
    assert.equal(res.status, 401);
    assert.equal(res.text, '');
  });

  test('publish without any API key is answered 401', async () => {
    const res = await apiCall(server, 'publish', { channel: 'api-auth', data: { x: 1 } }, { key: null });
    assert.equal(res.status, 401);
  });

  test('publish with a body that is not JSON is answered 400', async () => {
    const res = await apiCall(server, 'publish', undefined, { rawBody: 'channel=news&data=1' });
    assert.equal(res.status, 400);
  });
});
