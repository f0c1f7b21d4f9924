// Shared by the Node peers: argument lookup, the HTTP publish endpoint and /bench/stats.
import http from 'node:http';

export function arg(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

// POST /api/publish {"channel":"…","data":…} calls broadcast(channel, data); GET /bench/stats reports the heap.
export function createServer(broadcast) {
  return http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/publish') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks));
        } catch {
          res.writeHead(400).end();
          return;
        }
        broadcast(body.channel, body.data);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 }).end('{}');
      });
      return;
    }
    if (req.method === 'GET' && req.url.startsWith('/bench/stats')) {
      const m = process.memoryUsage();
      const body = JSON.stringify({ heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
      return;
    }
    res.writeHead(404).end();
  });
}

export function listen(server, port) {
  server.listen(port, '127.0.0.1');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
