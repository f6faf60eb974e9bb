// fs.js - node's fs.promises, the peer of fs.c (read its header for the workloads and what
// is counted). Each request is awaited before the next starts, as a program written with
// fs.promises does; the stats keep 32 promises in flight. The reads run 20k times where
// tick runs 200k (the runner compares time per read). Each workload runs in its own node
// process; the files are made before the clock starts.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

const READ_SIZE = 4096;
const READ_FILE = 1 << 20;
const READS = 20000;
const STATS = 100000;
const STAT_DEPTH = 32;
const COPY_CHUNK = 64 * 1024;
const COPY_SIZE = 256 * 1024 * 1024;

function makeFile(file, size) {
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(1 << 20);
  for (let done = 0; done < size; done += 1 << 20) {
    buf.fill((done >> 20) & 0xff);
    fs.writeSync(fd, buf);
  }
  fs.closeSync(fd);
  fs.readFileSync(file); // into the page cache
}

function withDir(body) {
  return async (done) => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'node-bench-fs-'));
    try {
      await body(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    done();
  };
}

async function reads(name, dir) {
  const file = path.join(dir, 'small');
  makeFile(file, READ_FILE);
  const fh = await fs.promises.open(file, 'r');
  const buf = Buffer.alloc(READ_SIZE);
  let pos = 0;
  for (let i = 0; i < 100; i++) await fh.read(buf, 0, READ_SIZE, pos); // warm-up
  const m = mark();
  for (let i = 0; i < READS; i++) {
    pos = (pos + READ_SIZE) % READ_FILE;
    const { bytesRead } = await fh.read(buf, 0, READ_SIZE, pos);
    if (bytesRead !== READ_SIZE) throw new Error('short read');
  }
  print(name, elapsed(m), READS);
  await fh.close();
}

async function stats(dir) {
  const file = path.join(dir, 'small');
  makeFile(file, READ_FILE);
  let started = 0;
  async function worker() {
    while (started < STATS) {
      started++;
      const st = await fs.promises.stat(file);
      if (st.size !== READ_FILE) throw new Error('bad stat');
    }
  }
  const m = mark();
  await Promise.all(Array.from({ length: STAT_DEPTH }, worker));
  print('fs 32 concurrent stats', elapsed(m), STATS);
}

async function copy(dir) {
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  makeFile(src, COPY_SIZE);
  const input = await fs.promises.open(src, 'r');
  const output = await fs.promises.open(dst, 'w');
  const buf = Buffer.alloc(COPY_CHUNK);
  let pos = 0;
  const m = mark();
  for (;;) {
    const { bytesRead } = await input.read(buf, 0, COPY_CHUNK, pos);
    if (bytesRead === 0) break;
    await output.write(buf, 0, bytesRead, pos);
    pos += bytesRead;
  }
  print('fs copy 256 MiB, 64 KiB chunks', elapsed(m), COPY_SIZE / COPY_CHUNK);
  if (pos !== COPY_SIZE) throw new Error('short copy');
  await input.close();
  await output.close();
}

runWorkloads([
  { name: 'fs seq 4KiB reads', run: withDir((dir) => reads('fs seq 4KiB reads', dir)) },
  { name: 'fs seq 4KiB reads, pool',
    run: withDir((dir) => reads('fs seq 4KiB reads, pool', dir)) },
  { name: 'fs 32 concurrent stats', run: withDir(stats) },
  { name: 'fs copy 256 MiB, 64 KiB chunks', run: withDir(copy) },
]);
