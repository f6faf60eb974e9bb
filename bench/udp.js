// udp.js - node's UDP datagrams per second, the peer of udp.c (read its header).
//
// node: dgram sockets, a connected sender calling send() per datagram (no callback), the
// receiver counting 'message' events; same bursts of 64 datagrams of 64 bytes. Fewer
// datagrams than the C programs (the runner compares time per datagram).
'use strict';

const dgram = require('dgram');
const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

const DGRAM = 64;
const BURST = 64;
const TOTAL = 128000;

function run(done) {
  const rx = dgram.createSocket('udp4');
  const tx = dgram.createSocket('udp4');
  const payload = Buffer.alloc(DGRAM);
  let sent = 0;
  let received = 0;
  let inBurst = 0;
  let m;
  function burst() {
    for (inBurst = 0; inBurst < BURST && sent < TOTAL; inBurst++, sent++) tx.send(payload);
  }
  rx.on('message', (msg) => {
    if (msg.length !== DGRAM) throw new Error('bad datagram');
    received++;
    if (--inBurst === 0) {
      if (sent < TOTAL) {
        burst();
      } else {
        print('dgrams', elapsed(m), received);
        rx.close();
        tx.close();
        done();
      }
    }
  });
  rx.bind(0, '127.0.0.1', () => {
    tx.connect(rx.address().port, '127.0.0.1', () => {
      m = mark();
      burst();
    });
  });
}

runWorkloads([{ name: 'dgrams', run }]);
