'use strict';
/* gen.js - the program generator of the differential fuzzer (docs/testing.md).
 *
 * gen(seed) builds one random scheduler program as a tree of blocks: block 0 is the main
 * script, every other block is the body of one callback (timer, interval, immediate,
 * next-tick, microtask, promise handler, finally callback) or async function. A block is
 * a list of operations, each an array of tokens. From that one structure toJs() writes
 * the node program and toDesc() the text that tests/fuzz/interp.c runs on tick, so the
 * two forms cannot drift apart.
 *
 * Description format (one operation per line, tokens separated by spaces):
 *
 *   BLOCK T id delay body          T[id] = setTimeout(cb, delay)       prints t<id>
 *   BLOCK V id period count body   T[id] = setInterval(cb, period), cleared by its own
 *                                  callback on call `count`            prints v<id>:<n>
 *   BLOCK I id body                I[id] = setImmediate(cb)            prints i<id>
 *   BLOCK N id body                process.nextTick(cb)                prints n<id>
 *   BLOCK M id body                queueMicrotask(cb)                  prints m<id>
 *   BLOCK CT id / CI id            clearTimeout(T[id]) / clearImmediate(I[id])
 *   BLOCK PR k v / PJ k v          P[k] = Promise.resolve(v) / Promise.reject(v)
 *   BLOCK PN k ACT                 P[k] = new Promise((res, rej) => { R[k] = ..; ACT })
 *   BLOCK PT k THENABLE            P[k] = Promise.resolve(THENABLE)
 *   BLOCK S k ACT                  settles R[k] (a later call of resolve/reject)
 *   BLOCK TH q p HF HR             P[q] = P[p].then(HF, HR)     prints p<q>:fulfilled:<v>
 *   BLOCK CA q p HR                P[q] = P[p].catch(HR)        prints p<q>:rejected:<v>
 *   BLOCK FI q p body RET          P[q] = P[p].finally(cb)      prints p<q>:finally
 *   BLOCK CB q all|allSettled|race|any n IN...   P[q] = Promise.<kind>([IN...])
 *   BLOCK AF q body                P[q] = b<body>(), an async function  prints a<q>
 *
 * Steps only in the body of an async function (block `body` of an AF q line):
 *
 *   BLOCK AW c p                   await P[p]                   prints a<q>:<v>
 *   BLOCK AV c n                   await n (a plain value)      prints a<q>:<v>
 *   BLOCK AH c THENABLE            await a thenable             prints a<q>:<v>
 *   BLOCK AX n                     throw n
 *   BLOCK AR ARET                  the return statement
 *
 *   c         0: a rejection is thrown on (the function rejects); 1: caught, the
 *             catch prints a<q>:caught:<reason> and the body goes on
 *   ARET      u (return) | v,n (return n) | p,j (return P[j]) | w,j (return await P[j]) |
 *             h,id,kind,v (return a thenable)
 *
 *   body      a block number, or - for none
 *   ACT       - | f v (resolve v) | r v (reject v) | x v (the executor throws v) |
 *             p j (resolve P[j]) | h THENABLE (resolve a thenable)
 *   THENABLE  h,id,kind,v: an object whose then(res, rej) prints h<id>, then kind
 *             f: res(v)  r: rej(v)  x: throw v  fx: res(v) then throw  ff: res(v) twice
 *   HF / HR   - (no handler: the value passes through) or body,RET
 *   RET       u (return) | v,n (return n) | x,n (throw n) | p,j (return P[j]) |
 *             s (return the value / rethrow the reason) | h,id,kind,v (return a thenable)
 *             (in FI the tokens are separated by spaces, and x throws an Error: a
 *             finally callback that fails gives tick an error code, not a reason)
 *   IN        p<j> (P[j]) or v<n> (the plain value n)
 *
 * Unhandled rejections print unhandled:p<k>:<reason>, late handling handled:p<k>.
 * Values are printed by fmt(): numbers, undefined, [f:1,r:2] for all/allSettled
 * results (all's elements print as f:), agg[1,2] for any's AggregateError, TypeError,
 * Error (a finally callback's throw).
 *
 * Timing: timers are only created where the generator knows the time of the running
 * macrotask (the main script at 0, a timer's callback at its slot, and the immediates,
 * ticks and microtasks these queue). Every deadline falls on its own slot of a GRID ms
 * grid and every timer has its own delay (so Node's per-duration lists each hold one
 * timer): a stall shorter than GRID ms cannot reorder two callbacks. The first slot is
 * never used (node may begin its first iteration late after the main script). A firing that
 * follows other firings (a timer made in a timer's callback, an interval's later calls)
 * inherits their lateness, so it also keeps one further slot free per such firing.
 * An async function's body knows the time only up to its first await.
 */

const GRID = 50;       /* ms between two deadlines */
const MAX_SLOT = 11;   /* the last deadline is at MAX_SLOT * GRID ms */
const MAX_DEPTH = 3;   /* nesting of callback bodies */

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gen(seed) {
  const rnd = rng(seed);
  const ri = (a, b) => a + Math.floor(rnd() * (b - a + 1));
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const chance = (p) => rnd() < p;
  const blocks = [];
  const usedSlots = new Set(), usedDelays = new Set();
  const n = { t: 1, i: 1, n: 1, m: 1, p: 1, h: 1 };
  const timerIds = [], immIds = [];
  let budget = ri(25, 90);

  const value = () => ri(0, 99);
  /* A promise to chain on: often one of the latest, so that chains grow long. */
  const pickPromise = (ps) => (chance(0.6) ? pick(ps.slice(-3)) : pick(ps));
  const thenable = () => ['h', n.h++, pick(['f', 'f', 'r', 'x', 'fx', 'ff']), value()].join(',');

  function block(time, hops, depth, promises, deferreds, isAsync) {
    const b = { ops: [], time, hops, depth, promises: promises.slice(),
      deferreds: deferreds.slice(), isAsync: !!isAsync, ended: false };
    blocks.push(b);
    return blocks.length - 1;
  }

  /* A child body (or '-'): filled at once, seeing what its parent sees now. */
  function body(parent, time, p, hops) {
    const b = blocks[parent];
    if (b.depth >= MAX_DEPTH || !chance(p)) return '-';
    const id = block(time, hops !== undefined ? hops : b.hops, b.depth + 1, b.promises,
      b.deferreds);
    fill(id);
    return String(id);
  }

  /* How a resolver is used; `x` (a throw) only inside an executor. */
  function action(b, self, executor) {
    const choices = executor ? ['f', 'f', 'r', 'x', 'h'] : ['f', 'f', 'r', 'h'];
    const ps = b.promises.filter((k) => k !== self);
    if (ps.length) choices.push('p', 'p');
    switch (pick(choices)) {
      case 'f': return ['f', value()];
      case 'r': return ['r', value()];
      case 'x': return ['x', value()];
      case 'h': return ['h', thenable()];
      default: return ['p', pick(ps)];
    }
  }

  function ret(b, self, finallyCb) {
    const choices = finallyCb ? ['u', 'u', 'v', 'x', 'h'] : ['u', 'v', 'v', 'x', 'h', 's', 's'];
    if (b.promises.length) choices.push('p', 'p');
    switch (pick(choices)) {
      case 'u': return 'u';
      case 's': return 's';
      case 'v': return 'v,' + value();
      case 'x': return 'x,' + value();
      case 'h': return thenable();
      default: return 'p,' + (self !== undefined && chance(0.05) ? self : pick(b.promises));
    }
  }

  function handler(parent, q) {
    const bd = body(parent, null, 0.3);
    const scope = bd === '-' ? blocks[parent] : blocks[Number(bd)];
    return bd + ',' + ret(scope, q, false);
  }

  /* The slots a firing at `s` may occupy: a firing that comes after `hops` earlier
   * timer firings (a timer made in a timer's callback, an interval's later calls) can be
   * late by the lateness of each of them, so it keeps one more slot free per hop. */
  function occupies(s, hops) {
    const slots = [];
    for (let j = 0; j <= hops; j++) slots.push(s + j * GRID);
    return slots;
  }

  /* A deadline for a timer made at `time` after `hops` firings: every call of it
   * (`count` calls, `period` apart for an interval) on free slots, with a delay no
   * other timer has. Returns the first deadline or null. */
  function timerSlot(time, hops, count, period) {
    const cands = [];
    for (let k = 1; k <= MAX_SLOT; k++) {
      const s = k * GRID;
      const d = period !== undefined ? period : s - time;
      /* The first slot stays free: node may start its first iteration late. */
      if (s < 2 * GRID || s - time < GRID || (period !== undefined && s - time !== period))
        continue;
      if (usedDelays.has(d)) continue;
      let ok = true;
      for (let c = 0; c < count; c++)
        for (const t of occupies(s + c * d, hops + c))
          if (t > MAX_SLOT * GRID || usedSlots.has(t)) ok = false;
      if (ok) cands.push(s);
    }
    return cands.length ? pick(cands) : null;
  }

  function op(id) {
    const b = blocks[id];
    const kinds = ['I', 'N', 'M', 'PR', 'PJ', 'PN', 'PN', 'PT', 'CB', 'CI', 'CT'];
    if (b.time !== null) kinds.push('T', 'T', 'T', 'V');
    if (b.promises.length) kinds.push('TH', 'TH', 'TH', 'TH', 'TH', 'CA', 'FI', 'CB');
    if (b.deferreds.length) kinds.push('S', 'S', 'S');
    if (b.depth < MAX_DEPTH) kinds.push('AF');
    /* In an async function's body, half of the operations are its own steps. */
    const steps = ['AV', 'AH', 'AH', 'AX', 'AR', 'AR'];
    if (b.promises.length) steps.push('AW', 'AW', 'AW', 'AW', 'AW', 'AW');
    const kind = b.isAsync && chance(0.6) ? pick(steps) : pick(kinds);
    switch (kind) {
      case 'T': {
        const hops = b.time === 0 ? 0 : b.hops + 1;
        const s = timerSlot(b.time, hops, 1);
        if (s === null) return;
        const d = s - b.time;
        occupies(s, hops).forEach((t) => usedSlots.add(t));
        usedDelays.add(d);
        const t = n.t++;
        timerIds.push(t);
        b.ops.push(['T', t, d, body(id, s, 0.6, hops)]);
        return;
      }
      case 'V': {
        const hops = b.time === 0 ? 0 : b.hops + 1;
        const count = ri(1, 3), period = ri(1, 3) * GRID;
        const s = timerSlot(b.time, hops, count, period);
        if (s === null) return;
        for (let c = 0; c < count; c++)
          occupies(s + c * period, hops + c).forEach((t) => usedSlots.add(t));
        usedDelays.add(period);
        const t = n.t++;
        timerIds.push(t);
        b.ops.push(['V', t, period, count, body(id, null, 0.4)]);
        return;
      }
      case 'I': {
        const t = n.i++;
        immIds.push(t);
        b.ops.push(['I', t, body(id, b.time, 0.5)]);
        return;
      }
      case 'N': b.ops.push(['N', n.n++, body(id, b.time, 0.4)]); return;
      case 'M': b.ops.push(['M', n.m++, body(id, b.time, 0.4)]); return;
      case 'CT': if (timerIds.length) b.ops.push(['CT', pick(timerIds)]); return;
      case 'CI': if (immIds.length) b.ops.push(['CI', pick(immIds)]); return;
      case 'PR': case 'PJ': {
        const k = n.p++;
        b.ops.push([kind, k, value()]);
        b.promises.push(k);
        return;
      }
      case 'PN': {
        const k = n.p++;
        b.ops.push(['PN', k].concat(chance(0.5) ? ['-'] : action(b, k, true)));
        b.promises.push(k);
        b.deferreds.push(k);
        return;
      }
      case 'PT': {
        const k = n.p++;
        b.ops.push(['PT', k, thenable()]);
        b.promises.push(k);
        return;
      }
      case 'S': {
        const k = pick(b.deferreds);
        /* Resolving a promise with itself is a TypeError: rare on purpose. */
        b.ops.push(['S', k].concat(chance(0.03) ? ['p', k] : action(b, k, false)));
        return;
      }
      case 'TH': {
        const p = pickPromise(b.promises), q = n.p++;
        let hf = chance(0.85) ? handler(id, q) : '-';
        const hr = chance(0.5) ? handler(id, q) : '-';
        if (hf === '-' && hr === '-' && chance(0.5)) hf = handler(id, q);
        b.ops.push(['TH', q, p, hf, hr]);
        b.promises.push(q);
        return;
      }
      case 'CA': {
        const p = pickPromise(b.promises), q = n.p++;
        b.ops.push(['CA', q, p, handler(id, q)]);
        b.promises.push(q);
        return;
      }
      case 'FI': {
        const p = pickPromise(b.promises), q = n.p++;
        const bd = body(id, null, 0.3);
        const scope = bd === '-' ? b : blocks[Number(bd)];
        const r = ret(scope, undefined, true);
        b.ops.push(['FI', q, p, bd].concat(r.split(',')));
        b.promises.push(q);
        return;
      }
      case 'AF': {
        const q = n.p++;
        const a = block(b.time, b.hops, b.depth + 1, b.promises, b.deferreds, true);
        fill(a);
        b.ops.push(['AF', q, a]);
        b.promises.push(q);
        return;
      }
      case 'AW': case 'AV': case 'AH': {
        const arg = kind === 'AW' ? pickPromise(b.promises) : kind === 'AV' ? value() : thenable();
        b.ops.push([kind, chance(0.4) ? 1 : 0, arg]);
        /* After an await the body runs at a time the generator does not know. */
        b.time = null;
        return;
      }
      case 'AX': b.ops.push(['AX', value()]); b.ended = true; return;
      case 'AR': {
        const choices = ['u', 'v', 'v', 'h'];
        if (b.promises.length) choices.push('p', 'w', 'w');
        const r = pick(choices);
        b.ops.push(['AR', r === 'u' ? 'u' : r === 'v' ? 'v,' + value() : r === 'h' ? thenable() :
          r + ',' + pickPromise(b.promises)]);
        b.ended = true;
        return;
      }
      case 'CB': {
        const q = n.p++;
        const count = chance(0.1) ? 0 : ri(1, 4);
        const ins = [];
        for (let c = 0; c < count; c++)
          ins.push(b.promises.length && chance(0.75) ? 'p' + pick(b.promises) : 'v' + value());
        b.ops.push(['CB', q, pick(['all', 'allSettled', 'race', 'any']), count].concat(ins));
        b.promises.push(q);
        return;
      }
    }
  }

  function fill(id) {
    const b = blocks[id];
    const count = b.depth === 0 ? ri(8, 20) : b.isAsync ? ri(2, 6) : ri(1, 4);
    for (let c = 0; c < count && budget > 0 && !b.ended; c++) {
      budget--;
      op(id);
    }
  }

  block(0, 0, 0, [], []);
  fill(0);
  return { seed, blocks: blocks.map((b) => b.ops) };
}

/* ------------------------------------------------------------------ emitters ---- */

function toDesc(prog) {
  const lines = ['# fuzz-node program, seed ' + prog.seed];
  prog.blocks.forEach((ops, b) => ops.forEach((o) => lines.push(b + ' ' + o.join(' '))));
  return lines.join('\n') + '\n';
}

const JS_HEAD = `'use strict';
const out = [];
const log = (s) => out.push(s);
process.on('exit', () => process.stdout.write(out.length ? out.join('\\n') + '\\n' : ''));
const P = [], R = [], T = [], I = [], ID = new Map();
const reg = (k, p) => { P[k] = p; ID.set(p, k); };
const pid = (p) => (ID.has(p) ? 'p' + ID.get(p) : '?');
function fmt(v) {
  if (v instanceof AggregateError) return 'agg[' + v.errors.map(fmt).join(',') + ']';
  if (v instanceof TypeError) return 'TypeError';
  if (v instanceof Error) return 'Error';
  if (Array.isArray(v))
    return '[' + v.map((e) => (e !== null && typeof e === 'object' && 'status' in e
      ? (e.status === 'fulfilled' ? 'f:' + fmt(e.value) : 'r:' + fmt(e.reason))
      : 'f:' + fmt(e))).join(',') + ']';
  return String(v);
}
process.on('unhandledRejection', (e, p) => log('unhandled:' + pid(p) + ':' + fmt(e)));
process.on('rejectionHandled', (p) => log('handled:' + pid(p)));
function thenable(id, kind, v) {
  return {
    then(res, rej) {
      log('h' + id);
      if (kind === 'f') res(v);
      else if (kind === 'r') rej(v);
      else if (kind === 'x') throw v;
      else if (kind === 'fx') { res(v); throw v + 1; }
      else { res(v); res(v + 1); }
    },
  };
}
`;

function jsThenable(tok) {
  const [, id, kind, v] = tok.split(',');
  return `thenable(${id}, '${kind}', ${v})`;
}

function jsBody(bd) {
  return bd === '-' ? '' : ` b${bd}();`;
}

/* The statement that ends a handler: RET given as its comma-separated tokens. */
function jsRet(r, input, rejected) {
  switch (r[0]) {
    case 'u': return 'return;';
    case 'v': return `return ${r[1]};`;
    case 'x': return `throw ${r[1]};`;
    case 'p': return `return P[${r[1]}];`;
    case 's': return rejected ? `throw ${input};` : `return ${input};`;
    default: return `return ${jsThenable(r.join(','))};`;
  }
}

function jsHandler(spec, q, rejected) {
  if (spec === '-') return 'undefined';
  const r = spec.split(',');
  const bd = r.shift();
  const what = rejected ? 'rejected' : 'fulfilled';
  return `(v) => { log('p${q}:${what}:' + fmt(v));${jsBody(bd)} ${jsRet(r, 'v', rejected)} }`;
}

function jsAct(a, k) {
  switch (a[0]) {
    case '-': return '';
    case 'f': return `R[${k}][0](${a[1]});`;
    case 'r': return `R[${k}][1](${a[1]});`;
    case 'x': return `throw ${a[1]};`;
    case 'p': return `R[${k}][0](P[${a[1]}]);`;
    default: return `R[${k}][0](${jsThenable(a[1])});`;
  }
}

/* `q`: the promise number of the async function whose body holds the operation. */
function jsOp(o, q) {
  const a = o.map(String);
  switch (a[0]) {
    case 'T':
      return `T[${a[1]}] = setTimeout(() => { log('t${a[1]}');${jsBody(a[3])} }, ${a[2]});`;
    case 'V':
      return `{ let n = 0; T[${a[1]}] = setInterval(() => { n++; log('v${a[1]}:' + n); ` +
        `if (n === ${a[3]}) clearInterval(T[${a[1]}]);${jsBody(a[4])} }, ${a[2]}); }`;
    case 'I': return `I[${a[1]}] = setImmediate(() => { log('i${a[1]}');${jsBody(a[2])} });`;
    case 'N': return `process.nextTick(() => { log('n${a[1]}');${jsBody(a[2])} });`;
    case 'M': return `queueMicrotask(() => { log('m${a[1]}');${jsBody(a[2])} });`;
    case 'CT': return `clearTimeout(T[${a[1]}]);`;
    case 'CI': return `clearImmediate(I[${a[1]}]);`;
    case 'PR': return `reg(${a[1]}, Promise.resolve(${a[2]}));`;
    case 'PJ': return `reg(${a[1]}, Promise.reject(${a[2]}));`;
    case 'PN':
      return `reg(${a[1]}, new Promise((res, rej) => { R[${a[1]}] = [res, rej]; ` +
        `${jsAct(a.slice(2), a[1])} }));`;
    case 'PT': return `reg(${a[1]}, Promise.resolve(${jsThenable(a[2])}));`;
    case 'S': return jsAct(a.slice(2), a[1]);
    case 'TH':
      return `reg(${a[1]}, P[${a[2]}].then(${jsHandler(a[3], a[1], false)}, ` +
        `${jsHandler(a[4], a[1], true)}));`;
    case 'CA': return `reg(${a[1]}, P[${a[2]}].catch(${jsHandler(a[3], a[1], true)}));`;
    case 'FI': {
      const r = a.slice(4);
      /* A throw from a finally callback carries no reason in tick: an Error here. */
      const end = r[0] === 'u' || r[0] === 'v' ? '' :
        r[0] === 'x' ? ' throw new Error();' : ' ' + jsRet(r, 'undefined', false);
      return `reg(${a[1]}, P[${a[2]}].finally(() => { log('p${a[1]}:finally');` +
        `${jsBody(a[3])}${end} }));`;
    }
    case 'AF': return `reg(${a[1]}, b${a[2]}());`;
    case 'AW': case 'AV': case 'AH': {
      const what = a[0] === 'AW' ? `P[${a[2]}]` : a[0] === 'AV' ? a[2] : jsThenable(a[2]);
      const aw = `log('a${q}:' + fmt(await ${what}));`;
      return a[1] === '1' ? `try { ${aw} } catch (e) { log('a${q}:caught:' + fmt(e)); }` : aw;
    }
    case 'AX': return `throw ${a[1]};`;
    case 'AR': {
      const r = a[1].split(',');
      switch (r[0]) {
        case 'u': return 'return;';
        case 'v': return `return ${r[1]};`;
        case 'p': return `return P[${r[1]}];`;
        case 'w': return `return await P[${r[1]}];`;
        default: return `return ${jsThenable(a[1])};`;
      }
    }
    case 'CB': {
      const ins = a.slice(4).map((s) => (s[0] === 'p' ? `P[${s.slice(1)}]` : s.slice(1)));
      return `reg(${a[1]}, Promise.${a[2]}([${ins.join(', ')}]));`;
    }
  }
  throw new Error('unknown op ' + a[0]);
}

function toJs(prog) {
  const parts = ['// fuzz-node program, seed ' + prog.seed, JS_HEAD];
  /* The bodies of async functions, with their promise numbers. */
  const asyncOf = new Map();
  prog.blocks.forEach((ops) => ops.forEach((o) => {
    if (o[0] === 'AF') asyncOf.set(Number(o[2]), o[1]);
  }));
  const steps = new Set(['AW', 'AV', 'AH', 'AX', 'AR']);
  prog.blocks.forEach((ops, b) => {
    const q = asyncOf.has(b) ? asyncOf.get(b) : '?';
    if (asyncOf.has(b) || ops.some((o) => steps.has(o[0]))) {
      parts.push(`async function b${b}() {`);
      parts.push(`  log('a${q}');`);
    } else {
      parts.push(`function b${b}() {`);
    }
    ops.forEach((o) => parts.push('  ' + jsOp(o, q)));
    parts.push('}');
  });
  parts.push('b0();');
  return parts.join('\n') + '\n';
}

module.exports = { gen, toDesc, toJs, GRID };
