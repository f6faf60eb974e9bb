// trace-check.js - checks a tick trace file (tick/trace.h) the way a viewer reads it.
//
//   node tests/trace-check.js FILE KIND...
//
// The file must be JSON with a traceEvents array; every slice well formed; every flow end
// ("f") must have its start ("s") and each flow step ("t") must lie on a pool thread's
// work slice. Then, from the first slice of the first KIND, it follows the arrows: the
// callback each slice scheduled (a flow start inside it, ended in another slice) must
// include a slice of the next KIND, and so on to the last. A "pool" step must also show
// the job's work slice on another thread, between the two. Exits 1 with the reason on
// the first failure.
'use strict';

const fs = require('fs');

const [file, ...kinds] = process.argv.slice(2);
const fail = (why) => {
  console.error(`trace-check: ${file}: ${why}`);
  process.exit(1);
};

let trace;
try {
  trace = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  fail(`not JSON: ${e.message}`);
}
const events = trace.traceEvents;
if (!Array.isArray(events)) fail('no traceEvents array');

const slices = events.filter((e) => e.ph === 'X');
for (const s of slices) {
  if (typeof s.ts !== 'number' || typeof s.dur !== 'number' || s.dur < 0 || !s.name)
    fail(`malformed slice ${JSON.stringify(s)}`);
  if (s.cat !== 'work' && !(s.args && s.args.phase)) fail(`slice without phase ${s.name}`);
  if (s.args && 'wait_us' in s.args && s.args.wait_us < 0) fail(`negative wait ${s.name}`);
}
const threads = events.filter((e) => e.ph === 'M' && e.name === 'thread_name');
if (!threads.some((t) => /^tick loop/.test(t.args.name))) fail('no loop track');

const starts = new Map(), ends = new Map();
for (const e of events) {
  if (e.ph === 's') starts.set(e.id, e);
  if (e.ph === 'f') ends.set(e.id, e);
}
for (const [id, e] of ends) if (!starts.has(id)) fail(`flow ${id} ends without a start`);

// The innermost slice on `tid` that contains `ts` (flow ends bind to the enclosing slice).
const enclosing = (tid, ts) => {
  let best = null;
  for (const s of slices) {
    if (s.tid !== tid || s.ts > ts || s.ts + s.dur < ts) continue;
    if (best === null || s.ts >= best.ts) best = s;
  }
  return best;
};
// The slices a slice scheduled: the slices its flow starts end in.
const children = (slice) => {
  const out = [];
  for (const [id, s] of starts) {
    if (s.tid !== slice.tid || s.ts < slice.ts || s.ts > slice.ts + slice.dur) continue;
    if (enclosing(s.tid, s.ts) !== slice) continue;
    const f = ends.get(id);
    if (f === undefined) continue;
    const target = enclosing(f.tid, f.ts);
    if (target !== null) out.push({ id, target });
  }
  return out;
};

let current = slices.find((s) => s.cat === kinds[0]);
if (current === undefined) fail(`no ${kinds[0]} slice`);
for (let i = 1; i < kinds.length; i++) {
  const next = children(current).find((c) => c.target.cat === kinds[i]);
  if (next === undefined)
    fail(`no arrow from the ${current.cat} slice "${current.name}" to a ${kinds[i]} slice`);
  if (next.target.ts < current.ts) fail(`${kinds[i]} runs before its cause`);
  if (kinds[i] === 'pool') {
    const work = slices.find((s) => s.cat === 'work' && s.args && s.args.flow === next.id);
    if (work === undefined) fail(`pool job ${next.id} has no work slice`);
    if (work.tid === current.tid) fail('the work ran on the loop track');
    if (work.ts < current.ts || work.ts > next.target.ts) fail('the work is not between its causes');
    const step = events.find((e) => e.ph === 't' && e.id === next.id);
    if (step === undefined || step.tid !== work.tid) fail('no flow step on the work slice');
  }
  current = next.target;
}
const counters = events.filter((e) => e.ph === 'C');
if (counters.length === 0) fail('no counters');
console.log(`trace-check: ${file}: ${slices.length} slices, ${starts.size} flows, ` +
            `the chain ${kinds.join(' -> ')} is there`);
