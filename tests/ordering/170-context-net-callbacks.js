// Async context: a server's connection callback sees the store of the listen() call,
// a socket's data callbacks the store its connection was made in, a connect callback and
// a write callback the store of the connect() or write() call.
const { AsyncLocalStorage } = require('async_hooks');
const net = require('net');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
let server;
als.run('server', () => {
  server = net.createServer((sock) => {
    log('connection');
    sock.on('data', (d) => {
      log('server data ' + d);
      sock.end();
      server.close();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    log('listening');
    als.run('client', () => {
      const c = net.connect(server.address().port, '127.0.0.1', () => {
        log('connected');
        als.run('writer', () => c.write('ping', () => log('written')));
      });
      c.on('data', () => {});
      c.on('end', () => c.end());
    });
  });
});
