// lib/bench.js - the frame shared by the node benchmarks, the JS twin of bench.h: the two
// clocks, the RESULT protocol (docs/design/bench.md), the xorshift32 generator, and running each
// workload in its own node process. (It lives in lib/ so that the runner, which runs every
// bench/*.js, does not take it for a benchmark.)
'use strict';

const { spawnSync } = require('child_process');

function mark() {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

// Wall and CPU seconds since `from`. CPU time is the whole process's, every thread
// (node's GC and compiler threads included).
function elapsed(from) {
  const cpu = process.cpuUsage(from.cpu);
  return {
    wall: Number(process.hrtime.bigint() - from.wall) / 1e9,
    cpu: (cpu.user + cpu.system) / 1e6,
  };
}

function sum(a, b) {
  return { wall: a.wall + b.wall, cpu: a.cpu + b.cpu };
}

function print(workload, span, ops) {
  process.stdout.write(`RESULT\t${workload}\tnode\t${span.wall.toFixed(9)}\t` +
                       `${span.cpu.toFixed(9)}\t${ops}\n`);
}

// xorshift32 over { value }, the same sequence as bench_random() in bench.h.
function xorshift32(state) {
  let x = state.value;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state.value = x >>> 0;
  return state.value;
}

// Runs `workloads` ([{ name, run(done) }]) each in a fresh node process, one after the
// other, so that one workload's garbage and heap growth do not slow the next (the C
// programs fork for the same reason). Arguments select workloads by part of their name,
// as for the C programs. The child is this same script with `--workload N`.
function runWorkloads(workloads) {
  const args = process.argv.slice(2);
  if (args[0] === '--workload') {
    workloads[Number(args[1])].run(() => {});
    return;
  }
  let failed = false;
  workloads.forEach((workload, index) => {
    if (args.length > 0 && !args.some((part) => workload.name.includes(part))) return;
    const child = spawnSync(process.execPath, [process.argv[1], '--workload', String(index)],
                            { stdio: 'inherit' });
    if (child.status !== 0) {
      process.stderr.write(`${workload.name}: exited with ${child.status} ${child.signal}\n`);
      failed = true;
    }
  });
  if (failed) process.exitCode = 1;
}

module.exports = { mark, elapsed, sum, print, xorshift32, runWorkloads };
