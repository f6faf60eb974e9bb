'use strict';
/* fuzz-node.js - differential fuzzing of tick's scheduling against node (docs/testing.md).
 *
 *   node tests/fuzz/fuzz-node.js --interp BIN [options]
 *
 *   --seconds N       generate and compare programs for N seconds (FUZZ_SECONDS, 60)
 *   --seed S          first seed (FUZZ_SEED, default: from the clock); seeds go S, S+1, ...
 *   --check           the fixed batch instead: seeds 1..FUZZ_CHECK_COUNT (200) and every
 *                     saved case (tests/fuzz/cases, tests/fuzz/batch) against its .out
 *   --show S          print the JavaScript and the description of seed S
 *   --write-batch N   regenerate tests/fuzz/batch from seeds 1..N with node's outputs
 *   --jobs J          programs run at once (FUZZ_JOBS, default 6, 10 with --check)
 *
 * A program agrees when BIN (tests/fuzz/interp.c) prints exactly what node prints. A
 * mismatch is run three times more, both sides, to tell a real difference from a stall of
 * this machine (a difference that comes from timing does not repeat); a repeated mismatch
 * is shrunk and saved as tests/fuzz/cases/seed-S.{js,desc,out}.
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { gen, toDesc, toJs } = require('./gen.js');

const DIR = __dirname;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const has = (name) => args.includes(name);

const interp = opt('--interp', null);
/* The batch has a fixed size: more at once, as its programs mostly wait for timers. */
const jobs = Number(opt('--jobs', process.env.FUZZ_JOBS || (has('--check') ? 10 : 6)));
const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'fuzz-node-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cmd, argv, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ out, err, ok: code === 0 && signal === null, code, signal });
    });
  });
}

let fileNo = 0;
function files(prog) {
  const base = path.join(tmp, 'p' + fileNo++);
  fs.writeFileSync(base + '.js', toJs(prog));
  fs.writeFileSync(base + '.desc', toDesc(prog));
  return base;
}

function cleanup(base) {
  fs.rmSync(base + '.js', { force: true });
  fs.rmSync(base + '.desc', { force: true });
}

/* Runs both sides; { node, tick, valid, same }. `valid`: both ran without error. */
async function compare(prog) {
  const base = files(prog);
  const [node, tick] = await Promise.all([
    run(process.execPath, [base + '.js'], 20000),
    run(interp, [base + '.desc'], 20000),
  ]);
  cleanup(base);
  return { node, tick, valid: node.ok && tick.ok, same: node.ok && tick.ok && node.out === tick.out };
}

/* A real difference repeats; one that comes from a stall of this (loaded) machine does
 * not: `tries` more runs, a little apart, must all differ too. While they run no new
 * program starts, so that the fuzzer does not add its own load. */
let confirming = 0;
async function confirmed(prog, tries = 3) {
  confirming++;
  try {
    for (let i = 0; i < tries; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const r = await compare(prog);
      if (!r.valid || r.same) return false;
    }
    return true;
  } finally {
    confirming--;
  }
}

function firstDiff(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return `line ${i + 1}: node "${x[i] ?? '(end)'}", tick "${y[i] ?? '(end)'}"`;
}

/* Delta debugging over the operations of every block: drop chunks (halving their size
 * down to single operations) while the program stays valid and still mismatches. */
async function shrink(prog) {
  let cur = prog;
  const count = (p) => p.blocks.reduce((s, ops) => s + ops.length, 0);
  const without = (p, skip, len) => {
    let i = 0;
    return {
      seed: p.seed,
      blocks: p.blocks.map((ops) => ops.filter(() => { const k = i++; return k < skip || k >= skip + len; })),
    };
  };
  let chunk = Math.max(1, count(cur) >> 1);
  while (chunk >= 1) {
    let changed = false;
    for (let at = count(cur) - chunk; at >= 0; at -= chunk) {
      const cand = without(cur, at, chunk);
      const r = await compare(cand);
      if (r.valid && !r.same && (await confirmed(cand))) {
        cur = cand;
        changed = true;
      }
      if (at > 0 && at < chunk) at = chunk; /* so the first chunk is tried too */
    }
    if (!changed) chunk >>= 1;
  }
  /* Blocks nobody refers to any more go; the others keep their numbers. */
  return cur;
}

function save(prog, nodeOut, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, 'seed-' + prog.seed);
  fs.writeFileSync(base + '.js', toJs(prog));
  fs.writeFileSync(base + '.desc', toDesc(prog));
  fs.writeFileSync(base + '.out', nodeOut);
  return base;
}

/* Runs `work(i)` for i in 0.. while `more(i)`, `jobs` at a time. */
async function pool(more, work) {
  let next = 0;
  const worker = async () => {
    for (;;) {
      while (confirming > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!more(next)) break;
      await work(next++);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

async function fuzz() {
  const seconds = Number(process.env.FUZZ_SECONDS || opt('--seconds', 60));
  const first = Number(opt('--seed', process.env.FUZZ_SEED || (Date.now() % 1000000) * 1000));
  const end = Date.now() + seconds * 1000;
  let programs = 0, agreed = 0, mismatched = 0, invalid = 0;
  const saved = [];
  await pool(() => Date.now() < end, async (i) => {
    const prog = gen(first + i);
    const r = await compare(prog);
    if (!r.valid) {
      invalid++;
      console.log(`fuzz-node: seed ${prog.seed}: a side failed: node ${r.node.code} ` +
        `${r.node.err.split('\n')[0]} / tick ${r.tick.code} ${r.tick.err.split('\n')[0]}`);
      return;
    }
    programs++;
    if (r.same || !(await confirmed(prog))) {
      agreed++;
      return;
    }
    mismatched++;
    console.log(`fuzz-node: seed ${prog.seed} mismatches at ${firstDiff(r.node.out, r.tick.out)}; shrinking`);
    const small = await shrink(prog);
    const s = await compare(small);
    const base = save(small, s.node.out, path.join(DIR, 'cases'));
    saved.push(base);
    console.log(`fuzz-node: seed ${prog.seed}: saved ${path.relative(process.cwd(), base)}.{js,desc,out} ` +
      `(${firstDiff(s.node.out, s.tick.out)})`);
  });
  console.log(`fuzz-node: seeds ${first}..${first + programs + invalid - 1}`);
  console.log(`fuzz-node: ${programs} programs, ${agreed} agreed, ${mismatched} mismatched` +
    (invalid ? `, ${invalid} failed to run` : ''));
  return mismatched || invalid ? 1 : 0;
}

/* The saved cases of `dir`: each .desc must print its .out under tick, and (when the
 * .js is there) the .js must print it under node. */
function savedCases(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.desc')).sort()
    .map((f) => path.join(dir, f.slice(0, -5)));
}

async function check() {
  const count = Number(process.env.FUZZ_CHECK_COUNT || 200);
  let agreed = 0, failed = 0, cases = 0;
  await pool((i) => i < count, async (i) => {
    const prog = gen(i + 1);
    const r = await compare(prog);
    if (r.same || (r.valid && !(await confirmed(prog, 5)))) {
      agreed++;
      return;
    }
    failed++;
    console.log(`fuzz-node: seed ${prog.seed}: ` + (r.valid ? firstDiff(r.node.out, r.tick.out)
      : `a side failed: ${r.node.err.split('\n')[0]} ${r.tick.err.split('\n')[0]}`));
  });
  const bases = savedCases(path.join(DIR, 'cases')).concat(savedCases(path.join(DIR, 'batch')));
  await pool((i) => i < bases.length, async (i) => {
    const base = bases[i];
    const want = fs.readFileSync(base + '.out', 'utf8');
    const [node, tick] = await Promise.all([
      fs.existsSync(base + '.js') ? run(process.execPath, [base + '.js'], 20000) : { ok: true, out: want },
      run(interp, [base + '.desc'], 20000),
    ]);
    cases++;
    for (const [who, r] of [['node', node], ['tick', tick]]) {
      if (r.ok && r.out === want) continue;
      /* A timing stall on a loaded machine may reorder a run (a 100 ms timer late
       * behind an immediate): a real difference repeats every time. */
      let agreedLater = false;
      for (let tries = 0; tries < 3 && !agreedLater; tries++) {
        const again = await run(who === 'node' ? process.execPath : interp,
          [base + (who === 'node' ? '.js' : '.desc')], 20000);
        agreedLater = again.ok && again.out === want;
      }
      if (agreedLater) continue;
      failed++;
      console.log(`fuzz-node: ${path.relative(process.cwd(), base)}: ${who}: ` +
        (r.ok ? firstDiff(want, r.out) : r.err.split('\n')[0]));
    }
  });
  console.log(`fuzz-node: ${count} programs, ${agreed} agreed, ${count - agreed} mismatched; ` +
    `${cases} saved cases, ${failed - (count - agreed)} failed`);
  return failed ? 1 : 0;
}

async function writeBatch(n) {
  const dir = path.join(DIR, 'batch');
  fs.rmSync(dir, { recursive: true, force: true });
  for (let s = 1; s <= n; s++) {
    const prog = gen(s);
    const base = files(prog);
    /* node's output must be the same three times running (a loaded machine may stall) */
    let r, again;
    for (let tries = 0; tries < 5; tries++) {
      r = await run(process.execPath, [base + '.js'], 20000);
      again = [await run(process.execPath, [base + '.js'], 20000),
        await run(process.execPath, [base + '.js'], 20000)];
      if (!r.ok) throw new Error('seed ' + s + ': node failed: ' + r.err);
      if (again.every((a) => a.ok && a.out === r.out)) break;
      if (tries === 4) throw new Error('seed ' + s + ': node is not stable');
    }
    cleanup(base);
    save(prog, r.out, dir);
  }
  console.log(`fuzz-node: wrote ${n} programs to ${path.relative(process.cwd(), dir)}`);
  return 0;
}

async function main() {
  if (has('--show')) {
    const prog = gen(Number(opt('--show')));
    process.stdout.write(toJs(prog) + '\n' + toDesc(prog));
    return 0;
  }
  if (has('--write-batch')) return writeBatch(Number(opt('--write-batch')));
  if (interp === null) {
    console.error('usage: fuzz-node.js --interp BIN [--check | --seconds N] [--seed S]');
    return 2;
  }
  return has('--check') ? check() : fuzz();
}

main().then((rc) => (process.exitCode = rc), (e) => {
  console.error(e);
  process.exitCode = 2;
});
