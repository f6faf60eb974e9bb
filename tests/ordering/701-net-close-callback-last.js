// SEMANTICS 4 (I/O): a socket closed in its data callback reports 'close' in the close
// phase: after the callback's ticks and the immediate it queued, before a 0 ms timer.
const net = require('net');
const server = net.createServer((sock) => {
  sock.on('data', () => {
    console.log('data');
    sock.on('close', () => console.log('close'));
    sock.destroy();
    setTimeout(() => console.log('timeout 0'), 0);
    setImmediate(() => console.log('immediate'));
    process.nextTick(() => console.log('tick'));
  });
});
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => c.write('x'));
  c.on('error', () => {});
  c.on('close', () => server.close());
});
