// SIO: Socket.IO 4.8 with defaults (ping 25 s), WebSocket transport only, rooms = channels.
// Events: "subscribe"(channel, ack) joins a room; "echo"(payload, ack) acks; publications go out as "m".
import { Server } from 'socket.io';
import { arg, createServer, listen } from './common.js';

const port = Number(arg('--port', '18003'));
let io;
const server = createServer((channel, data) => io.to(channel).emit('m', data));
io = new Server(server, { transports: ['websocket'], serveClient: false, cors: { origin: '*' } });
io.on('connection', (socket) => {
  socket.on('subscribe', (channel, ack) => {
    socket.join(channel);
    if (typeof ack === 'function') ack();
  });
  socket.on('echo', (_payload, ack) => {
    if (typeof ack === 'function') ack();
  });
});
listen(server, port);
