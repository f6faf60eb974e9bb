// SEMANTICS 4 (I/O): in a socket's data callback, ticks then microtasks run first, then an
// immediate queued there runs before a 0 ms timer queued there.
const net = require('net');
const server = net.createServer((sock) => {
  sock.on('data', (d) => {
    console.log('server data ' + d);
    setTimeout(() => console.log('timeout 0 from data'), 0);
    setImmediate(() => {
      console.log('immediate from data');
      sock.end();
      server.close();
    });
    Promise.resolve().then(() => console.log('microtask from data'));
    process.nextTick(() => console.log('tick from data'));
  });
});
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => c.write('ping'));
});
