// http-hello.js - the "hello" server of examples/http-hello.c on node's http module, the
// node peer of bench/http.sh: answers every request with 200 "Hello, world!\n" as
// text/plain, keep-alive (node's default), and prints "listening on IP:PORT". Stops when
// its standard input ends, like the C example.
'use strict';
const http = require('http');

const body = 'Hello, world!\n';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  console.log(`listening on ${a.address}:${a.port}`);
});
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  server.close();
  server.closeAllConnections();
});
