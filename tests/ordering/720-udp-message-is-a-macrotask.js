// SEMANTICS 3 + 4: each received datagram's callback is a macrotask: its next-ticks and
// microtasks run before the next datagram's callback; immediates queued there run in the
// check phase of the same iteration, before 0 ms timers.
const dgram = require('dgram');
const rx = dgram.createSocket('udp4');
let n = 0;
rx.on('message', (msg) => {
  const m = msg.toString();
  console.log('message ' + m);
  setTimeout(() => console.log('timeout ' + m), 0);
  setImmediate(() => console.log('immediate ' + m));
  Promise.resolve().then(() => console.log('microtask ' + m));
  process.nextTick(() => console.log('tick ' + m));
  if (++n === 2) rx.close();
});
rx.bind(0, '127.0.0.1', () => {
  const tx = dgram.createSocket('udp4');
  const port = rx.address().port;
  tx.send('a', port, '127.0.0.1');
  tx.send('b', port, '127.0.0.1', () => tx.close());
});
