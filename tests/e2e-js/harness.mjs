// Shared harness for the end-to-end suite: starts a real Gyre server process on a free loopback port with a
// temporary Centrifugo v6 config, waits for GET /health, and stops it (by PID) afterwards. Also holds the
// small helpers every test file needs: HS256 tokens, the HTTP publish API, event waits with timeouts.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** How long any single wait in the suite may take before the test fails. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export const HMAC_SECRET = 'e2e-hmac-secret';
export const API_KEY = 'e2e-api-key';

/** The server binary: GYRE_SERVER_DLL, else the Release build CI produces before running the suite. */
export function serverDll() {
  const dll = process.env.GYRE_SERVER_DLL ?? join(repoRoot, 'src', 'Gyre.Server', 'bin', 'Release', 'net10.0', 'gyre.dll');
  if (!existsSync(dll)) {
    throw new Error(`Gyre server not found at ${dll}: build it (dotnet build src/Gyre.Server -c Release) or set GYRE_SERVER_DLL`);
  }
  return dll;
}

/**
 * The configuration every file starts from: token auth only, short ping/pong so that pongs are exercised
 * within a test run, channels without namespace open to subscribers, a `chat` namespace open to publishers.
 */
export function baseConfig() {
  return {
    client: {
      token: { hmac_secret_key: HMAC_SECRET },
      ping_interval: '2s',
      pong_timeout: '1s',
      allow_anonymous_connect_without_token: false,
      insecure: false,
    },
    channel: {
      without_namespace: { allow_subscribe_for_client: true, allow_publish_for_subscriber: true },
      namespaces: [{ name: 'chat', allow_subscribe_for_client: true, allow_publish_for_client: true }],
    },
    http_api: { key: API_KEY },
  };
}

/**
 * A port that was free a moment ago, drawn from 20000–32767: below Linux's ephemeral range (32768–60999), so the
 * outgoing connections the tests open cannot take it between this probe and the server's bind, as a port from
 * listen(0) could.
 */
export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    const free = await new Promise((resolveFree) => {
      const probe = createServer();
      probe.unref();
      probe.once('error', () => resolveFree(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port between 20000 and 32767 after 100 draws');
}

// Children still alive when the test process exits (a crash, an uncaught error) are killed here, so no
// server outlives the suite. Only processes this harness spawned are in the set.
const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

/**
 * Starts `dotnet gyre.dll -c <config> -p <port> --log.level info` and resolves once GET /health answers 200.
 * Rejects (after killing the process) if the server exits first or is not healthy within the timeout.
 */
export async function startServer({ config = baseConfig(), port, timeoutMs = 20_000 } = {}) {
  const dll = serverDll();
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gyre-e2e-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const child = spawn('dotnet', [dll, '-c', configPath, '-p', String(port), '--log.level', 'info'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  liveChildren.add(child);
  let output = '';
  child.stdout.on('data', d => { output += d; });
  child.stderr.on('data', d => { output += d; });
  const exited = new Promise(res => child.once('exit', (code, signal) => {
    liveChildren.delete(child);
    res({ code, signal });
  }));
  let hasExited = false;
  exited.then(() => {
    hasExited = true;
    rmSync(dir, { recursive: true, force: true });
  });

  const server = {
    port,
    pid: child.pid,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/connection/websocket`,
    exited,
    output: () => output,
    /** SIGTERM (graceful: clients get 3001), then SIGKILL if the process has not exited in time. */
    async stop({ timeoutMs: stopTimeoutMs = 10_000 } = {}) {
      if (hasExited) {
        return exited;
      }
      child.kill('SIGTERM');
      const result = await Promise.race([exited, delay(stopTimeoutMs, null, { ref: false })]);
      if (result === null) {
        child.kill('SIGKILL');
      }
      return exited;
    },
  };

  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (hasExited) {
      const { code, signal } = await exited;
      throw new Error(`server exited before it was healthy (code ${code}, signal ${signal}):\n${output}`);
    }
    try {
      const res = await fetch(`${server.httpUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const body = await res.text();
      if (res.status === 200 && body === '{}') {
        return server;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`server did not answer GET /health with 200 {} within ${timeoutMs} ms:\n${output}`);
    }
    await delay(50); // poll interval of the readiness probe
  }
}

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** An HS256 JWT over `claims`, signed with `secret` (node:crypto, no JWT library). */
export function signToken(claims, secret = HMAC_SECRET) {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** A connection token for `sub`, issued now and valid for `ttlSeconds` (negative: already expired). */
export function connectionToken(sub, { ttlSeconds = 3600, secret = HMAC_SECRET } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return signToken({ sub, iat: now, exp: now + ttlSeconds }, secret);
}

/** POST /api/<method> with the API key; returns status, raw text and parsed JSON (when it parses). */
export async function apiCall(server, method, body, { key = API_KEY, rawBody } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (key !== null) {
    headers['X-API-Key'] = key;
  }
  const res = await fetch(`${server.httpUrl}/api/${method}`, {
    method: 'POST',
    headers,
    body: rawBody ?? JSON.stringify(body),
    signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json };
}

/** Publishes through the HTTP API and fails unless the server answered 200 without an error. */
export async function apiPublish(server, channel, data) {
  const res = await apiCall(server, 'publish', { channel, data });
  if (res.status !== 200 || res.json === undefined || res.json.error) {
    throw new Error(`publish to ${channel} failed: HTTP ${res.status} ${res.text}`);
  }
  return res.json;
}

/**
 * Resolves with the arguments of the next `event` on `emitter` that passes `filter`; rejects after
 * `timeoutMs` naming the event, so a hung test says what it was waiting for.
 */
export function waitForEvent(emitter, event, { timeoutMs = DEFAULT_TIMEOUT_MS, filter = () => true, what = '' } = {}) {
  return new Promise((resolveEvent, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'${what ? ` (${what})` : ''}`));
    }, timeoutMs);
    function listener(...args) {
      if (!filter(...args)) {
        return;
      }
      clearTimeout(timer);
      emitter.removeListener(event, listener);
      resolveEvent(args.length <= 1 ? args[0] : args);
    }
    emitter.on(event, listener);
  });
}

/** Records every event named in `events` on `emitter`, in order, as `{ event, ctx }`. */
export function recordEvents(emitter, events) {
  const log = [];
  for (const event of events) {
    emitter.on(event, ctx => log.push({ event, ctx }));
  }
  return log;
}

/**
 * A WebSocket constructor for centrifuge-js (the `ws` class) that also records every JSON line in each
 * direction and emits it on `traffic` ('received' / 'sent'), so a test can see protocol traffic the SDK
 * does not expose: pings, pongs, the connect reply. `traffic.sockets` counts the sockets opened and
 * `traffic.current` is the newest one (`traffic.current.terminate()` drops the transport without a close frame).
 */
export function recordingWebSocket() {
  // Lines, not frames: a JSON frame may batch several replies separated by '\n'.
  const traffic = new EventEmitter();
  traffic.sockets = 0;
  traffic.current = null;
  traffic.received = [];
  traffic.sent = [];
  class RecordingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      traffic.sockets++;
      traffic.current = this;
      this.on('message', (data, isBinary) => {
        if (isBinary) {
          return;
        }
        for (const line of data.toString().trim().split('\n')) {
          traffic.received.push(line);
          traffic.emit('received', line);
        }
      });
    }

    send(data, ...rest) {
      if (typeof data === 'string') {
        for (const line of data.trim().split('\n')) {
          traffic.sent.push(line);
          traffic.emit('sent', line);
        }
      }
      return super.send(data, ...rest);
    }
  }
  return { WebSocket: RecordingWebSocket, traffic };
}

/**
 * Creates centrifuge-js clients against `server` and disconnects them all in `closeAll()`. Every client
 * and subscription gets an `error` listener: the SDK's emitter throws on an unhandled `error` event.
 */
export class ClientPool {
  #clients = [];

  create(server, options = {}) {
    const client = new Centrifuge(server.wsUrl, {
      websocket: WebSocket,
      minReconnectDelay: 100,
      maxReconnectDelay: 1000,
      ...options,
    });
    client.errors = [];
    client.on('error', ctx => client.errors.push(ctx));
    this.#clients.push(client);
    return client;
  }

  subscribe(client, channel, options = {}) {
    const sub = client.newSubscription(channel, options);
    sub.errors = [];
    sub.on('error', ctx => sub.errors.push(ctx));
    sub.subscribe();
    return sub;
  }

  closeAll() {
    for (const client of this.#clients.splice(0)) {
      client.disconnect();
    }
  }
}

/** Opens a plain `ws` connection (no SDK, no compression) and resolves once it is open. */
export async function openRawSocket(server) {
  const socket = new WebSocket(server.wsUrl, { perMessageDeflate: false });
  socket.on('error', () => { /* the close event carries what the tests assert on */ });
  await waitForEvent(socket, 'open');
  return socket;
}

/** Resolves with `{ code, reason }` when `socket` closes. */
export async function waitForClose(socket, options) {
  if (socket.readyState === WebSocket.CLOSED) {
    throw new Error('socket already closed before the wait started');
  }
  const [code, reason] = await waitForEvent(socket, 'close', options);
  return { code, reason: reason.toString() };
}

/**
 * Connects a new pool client as `user` and subscribes it to `channel`; resolves once both the connection and
 * the subscription are up, with the client, the subscription, the client id and the `subscribed` context.
 */
export async function connectSubscriber(pool, server, { user, channel, subscription = {}, client: clientOptions = {} }) {
  const client = pool.create(server, { token: connectionToken(user), ...clientOptions });
  const sub = pool.subscribe(client, channel, subscription);
  const connected = waitForEvent(client, 'connected', { what: `${user} connecting` });
  const subscribed = waitForEvent(sub, 'subscribed', { what: `${user} subscribing to ${channel}` });
  client.connect();
  const { client: clientId } = await connected;
  const subscribedCtx = await subscribed;
  return { client, sub, clientId, subscribed: subscribedCtx };
}

/**
 * Records every publication `sub` delivers, in order. `received.until(predicate)` resolves once a recorded
 * publication passes `predicate` (at once if one already has), so a test can wait for a marker.
 */
export function recordPublications(sub) {
  const received = [];
  sub.on('publication', ctx => received.push(ctx));
  received.until = (predicate, { what = '', timeoutMs } = {}) => (received.some(predicate)
    ? Promise.resolve()
    : waitForEvent(sub, 'publication', { filter: predicate, what, timeoutMs }).then(() => undefined));
  return received;
}

/**
 * Starts a backend server for multi-node tests: `redis-server` on a free loopback port (without persistence unless
 * `dataDir` is given: then with an fsync-always AOF there, and the directory is the caller's to remove), or
 * `nats-server` on a port it picks itself. Resolves once its log says it accepts connections, with its address,
 * PID and `stop()` (SIGKILL by that PID). Only processes started here are ever stopped.
 */
export async function startBackend(kind, { port, dataDir, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), `gyre-e2e-${kind}-`));
  let command;
  let args;
  let ready;
  if (kind === 'redis') {
    port ??= await freePort();
    command = 'redis-server';
    // With a caller's dataDir Redis persists every write before answering (AOF, fsync always), so a restart on the
    // same directory finds every acknowledged publication: what users run when history must survive a crash.
    const persistence = dataDir ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--daemonize', 'no'];
    ready = /Ready to accept connections/;
  } else if (kind === 'nats') {
    command = 'nats-server';
    args = ['-a', '127.0.0.1', '-p', String(port ?? -1)];
    ready = /Listening for client connections on 127\.0\.0\.1:(\d+)/;
  } else {
    throw new Error(`unknown backend ${kind}`);
  }

  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const exited = new Promise(res => child.once('exit', () => {
    liveChildren.delete(child);
    if (!dataDir) {
      rmSync(dir, { recursive: true, force: true });
    }
    res();
  }));
  let output = '';
  const match = await new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = d => {
      output += d;
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolveReady(found);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', e => { clearTimeout(timer); reject(new Error(`${command} did not start (${e.message}); install the Debian package ${command}`)); });
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`${command} exited with ${code}:\n${output}`)); });
  });
  port ??= Number(match[1]);
  return {
    pid: child.pid,
    port,
    url: kind === 'redis' ? `redis://127.0.0.1:${port}` : `nats://127.0.0.1:${port}`,
    async stop() {
      if (liveChildren.has(child)) {
        process.kill(child.pid, 'SIGKILL');
      }
      await exited;
    },
  };
}
