// tcp.js - node's TCP workloads (the `net` module), the peer of tcp.c (read its header for
// the workloads and what is counted; the sizes are tcpbench.h's).
//
// Idiomatic node: net.createServer with a 'data' listener that writes back what it got,
// net.connect clients, setNoDelay(true) on every socket. The idle workload's clients run
// in a second node process (this script with --idle-clients) that keeps at most 500
// connection attempts in flight, so only the server's memory is counted here. Each
// workload runs in its own node process. node runs 20,000 round trips of ping-pong and
// 5,000 churned connections where the C programs run 50,000 and 10,000 (it is several
// times slower; the runner compares time per operation); the echo workload is the same
// size everywhere, so that the p99 comes from the same number of samples.
'use strict';

const net = require('net');
const { spawn } = require('child_process');
const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

const TCP_PINGPONG = 'tcp ping-pong, 1 connection';
const TCP_ECHO = 'tcp echo, 300 clients x 128 B';
const TCP_ECHO_P99 = 'tcp echo p99 latency, 300 clients';
const TCP_CHURN = 'tcp connection churn, 100 concurrent';
const TCP_IDLE = 'tcp 10k idle connections, RSS per connection';

const PINGPONG_ROUND_TRIPS = 20000;
const PINGPONG_MESSAGE = 4;
const ECHO_CLIENTS = 300;
const ECHO_MESSAGE = 128;
const ECHO_ROUNDS = 200;
const CHURN_CONCURRENT = 100;
const CHURN_CONNECTIONS = 5000;
const IDLE_CONNECTIONS = 10000;
const LISTEN_BACKLOG = 4096;

function fail(what) {
  process.stderr.write(`tcp.js: ${what}\n`);
  process.exit(1);
}

function echoServer(onListening, options = {}) {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    if (options.closeAtOnce) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
    socket.on('error', () => {});
    socket.on('end', () => socket.end());
    if (options.onAccepted) options.onAccepted(accepted);
  });
  server.accepted = () => accepted;
  server.listen({ host: '127.0.0.1', port: 0, backlog: LISTEN_BACKLOG }, () =>
    onListening(server, server.address().port));
  return server;
}

function pingpong(done) {
  const ping = Buffer.from('ping');
  echoServer((server, port) => {
    let left = PINGPONG_ROUND_TRIPS;
    let received = 0;
    const m = mark();
    const client = net.connect({ host: '127.0.0.1', port }, () => {
      client.setNoDelay(true);
      client.write(ping);
    });
    client.on('data', (data) => {
      received += data.length;
      if (received < PINGPONG_MESSAGE) return;
      if (received !== PINGPONG_MESSAGE) fail('ping-pong: too many bytes');
      received = 0;
      if (--left > 0) {
        client.write(ping);
        return;
      }
      client.end();
      server.close(() => {
        print(TCP_PINGPONG, elapsed(m), PINGPONG_ROUND_TRIPS);
        done();
      });
    });
  });
}

function p99(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const rank = Math.max(1, Math.ceil(sorted.length * 0.99));
  return sorted[rank - 1];
}

function echo(done) {
  const message = Buffer.alloc(ECHO_MESSAGE, 'e');
  const latencies = new Float64Array(ECHO_CLIENTS * ECHO_ROUNDS);
  let latencyCount = 0;
  echoServer((server, port) => {
    const clients = [];
    let connected = 0;
    let finished = 0;
    let m = null;
    const send = (client) => {
      client.sentAt = process.hrtime.bigint();
      client.write(message);
    };
    for (let i = 0; i < ECHO_CLIENTS; i++) {
      const client = net.connect({ host: '127.0.0.1', port }, () => {
        client.setNoDelay(true);
        if (++connected < ECHO_CLIENTS) return;
        m = mark();
        for (const c of clients) send(c);
      });
      client.received = 0;
      client.roundsLeft = ECHO_ROUNDS;
      client.on('data', (data) => {
        client.received += data.length;
        if (client.received < ECHO_MESSAGE) return;
        if (client.received !== ECHO_MESSAGE) fail('echo: too many bytes');
        latencies[latencyCount++] = Number(process.hrtime.bigint() - client.sentAt) / 1e9;
        client.received = 0;
        if (--client.roundsLeft > 0) {
          send(client);
          return;
        }
        client.end();
        if (++finished === ECHO_CLIENTS) {
          print(TCP_ECHO, elapsed(m), ECHO_CLIENTS * ECHO_ROUNDS);
          if (latencyCount !== ECHO_CLIENTS * ECHO_ROUNDS) fail('echo: latency count');
          const latency = p99(latencies);
          process.stdout.write(`RESULT\t${TCP_ECHO_P99}\tnode\t${latency.toFixed(9)}\t` +
                               `${latency.toFixed(9)}\n`);
          server.close(done);
        }
      });
      clients.push(client);
    }
  });
}

function churn(done) {
  echoServer((server, port) => {
    let started = 0;
    let finished = 0;
    const m = mark();
    const connectOne = () => {
      started++;
      const client = net.connect({ host: '127.0.0.1', port });
      client.on('data', () => fail('churn: the server sent data'));
      client.on('end', () => client.destroy());
      client.on('close', (hadError) => {
        if (hadError) fail('churn: connection error');
        finished++;
        if (started < CHURN_CONNECTIONS) {
          connectOne();
        } else if (finished === CHURN_CONNECTIONS) {
          print(TCP_CHURN, elapsed(m), CHURN_CONNECTIONS);
          if (server.accepted() !== CHURN_CONNECTIONS) fail('churn: accepted count');
          server.close(done);
        }
      });
    };
    for (let i = 0; i < CHURN_CONCURRENT; i++) connectOne();
  }, { closeAtOnce: true });
}

function idle(done) {
  let before = 0;
  let child = null;
  echoServer((server, port) => {
    before = process.memoryUsage.rss();
    child = spawn(process.execPath, [__filename, '--idle-clients', String(port)],
                  { stdio: 'inherit' });
  }, {
    onAccepted: (accepted) => {
      if (accepted !== IDLE_CONNECTIONS) return;
      const after = process.memoryUsage.rss();
      child.kill('SIGKILL');
      const perConnection = (after - before) / IDLE_CONNECTIONS;
      process.stdout.write(`UNIT\t${TCP_IDLE}\tbytes\n`);
      process.stdout.write(`RESULT\t${TCP_IDLE}\tnode\t${perConnection.toFixed(9)}\t` +
                           `${perConnection.toFixed(9)}\n`);
      done();
      process.exit(0);
    },
  });
}

// The idle clients (a child process): IDLE_CONNECTIONS connections held open, at most
// 500 being established at a time.
function idleClients(port) {
  let started = 0;
  let pending = 0;
  const sockets = [];
  const more = () => {
    while (pending < 500 && started < IDLE_CONNECTIONS) {
      started++;
      pending++;
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        pending--;
        more();
      });
      socket.on('error', (error) => fail(`idle client: ${error.message}`));
      sockets.push(socket);
    }
  };
  more();
}

if (process.argv[2] === '--idle-clients') {
  idleClients(Number(process.argv[3]));
} else {
  runWorkloads([
    { name: TCP_PINGPONG, run: pingpong },
    { name: TCP_ECHO, run: echo },
    { name: TCP_CHURN, run: churn },
    { name: TCP_IDLE, run: idle },
  ]);
}
