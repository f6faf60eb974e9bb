// Task groups, the first failure: a member's rejection is seen one turn after it (a
// reaction on the member), which aborts the others at once (abort listeners run inside
// abort()); each aborted member resumes one turn later and runs its cleanup; the group
// settles, like the first failure, when the last member's end is seen, and an await of
// it resumes one turn after that (allSettled, then rethrow the first reason).
let left = 8, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
const ac = new AbortController();
function aborted(signal) {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
async function waiter(name) {
  try {
    await aborted(ac.signal);
  } catch (e) {
    console.log(name, 'cancelled');
    throw e;
  }
}
async function failer() {
  await null;
  console.log('failer throws');
  throw 'boom';
}
let first;
const members = [waiter('a'), failer(), waiter('b')];
for (const p of members) {
  p.then(undefined, (e) => {
    if (!ac.signal.aborted) { first = e; ac.abort('cancelled'); }
  });
}
(async () => {
  await Promise.allSettled(members);
  console.log('group rejected', first);
})();
console.log('sync end');
