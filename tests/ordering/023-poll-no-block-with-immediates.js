// SEMANTICS 4.4: the poll phase does not block while immediates are pending, even with an idle I/O watcher and no timer to bound the wait.
const net = require('net');
const server = net.createServer().listen(0, '127.0.0.1');
let n = 0;
function next() {
  n++;
  console.log('immediate ' + n);
  if (n < 5) setImmediate(next);
  else server.close();
}
setImmediate(next);
console.log('main end');
