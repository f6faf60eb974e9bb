// SEMANTICS 4.5-4.6 and 3: a close callback runs in the close phase, after the check phase, before the next timers phase; a drain follows it.
const net = require('net');
const server = net.createServer((socket) => socket.on('error', () => {}));
server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1', () => {
    console.log('io');
    setTimeout(() => console.log('timeout from io'), 0);
    setImmediate(() => console.log('immediate from io'));
    client.on('close', () => {
      console.log('close callback');
      queueMicrotask(() => console.log('microtask from close'));
      process.nextTick(() => console.log('tick from close'));
    });
    client.destroy();
    server.close();
    process.nextTick(() => console.log('tick from io'));
  });
});
