// Task groups, the limit: with a limit of 2, the first two functions start inside the
// calls that add them; each queued one starts, in the order added, in the turn in which
// the end of a running one is seen (one turn after its promise settles), before that turn
// goes on; the group settles in the turn the last end is seen.
let left = 16, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
function group(limit) {
  const queue = [];
  let head = 0, active = 0, unfinished = 0, closed = false, settle;
  const settled = new Promise((resolve) => { settle = resolve; });
  function startNext() {
    while (active < limit && head < queue.length) {
      const fn = queue[head++];
      active++;
      fn().then(ended, ended);
    }
  }
  function ended() {
    active--;
    unfinished--;
    startNext();
    if (closed && unfinished === 0) settle();
  }
  return {
    run(fn) { queue.push(fn); unfinished++; startNext(); },
    wait() { closed = true; if (unfinished === 0) settle(); return settled; },
  };
}
async function job(name) {
  console.log('start', name);
  await null;
  await null;
  console.log('end', name);
}
const g = group(2);
for (const name of ['a', 'b', 'c', 'd', 'e']) g.run(() => job(name));
(async () => {
  await g.wait();
  console.log('group done');
})();
console.log('sync end');
