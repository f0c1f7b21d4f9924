// WSN: a plain `ws` 8.x broadcast server: channel → Set of sockets, one ws.send per subscriber,
// protocol ping every 25 s. Text "s CHANNEL" subscribes (answer "ok"), "e ID …" answers "a ID".
import { WebSocketServer } from 'ws';
import { arg, createServer, listen } from './common.js';

const port = Number(arg('--port', '18004'));
const channels = new Map();
const server = createServer((channel, data) => {
  const subscribers = channels.get(channel);
  if (!subscribers) return;
  const message = JSON.stringify(data);
  for (const ws of subscribers) ws.send(message);
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const mine = [];
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return;
    const text = raw.toString();
    if (text.startsWith('s ')) {
      const channel = text.slice(2);
      let set = channels.get(channel);
      if (!set) channels.set(channel, (set = new Set()));
      set.add(ws);
      mine.push(channel);
      ws.send('ok');
    } else if (text.startsWith('e ')) {
      const end = text.indexOf(' ', 2);
      ws.send('a ' + text.slice(2, end < 0 ? undefined : end));
    }
  });
  ws.on('close', () => {
    for (const channel of mine) {
      const set = channels.get(channel);
      if (set) {
        set.delete(ws);
        if (set.size === 0) channels.delete(channel);
      }
    }
  });
});
setInterval(() => {
  for (const ws of wss.clients) ws.ping();
}, 25000).unref();
listen(server, port);
