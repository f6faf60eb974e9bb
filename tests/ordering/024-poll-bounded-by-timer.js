// SEMANTICS 4.4 and 8.1: an active I/O watcher keeps the loop alive; the poll wait for it is bounded by the nearest timer.
const net = require('net');
const server = net.createServer().listen(0, '127.0.0.1');
setTimeout(() => {
  console.log('timer while watching');
  server.close();
}, 20);
console.log('main end');
