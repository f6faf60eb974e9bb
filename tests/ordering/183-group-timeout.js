// Task groups, the timeout: the group's deadline is a timer (AbortSignal.timeout); when it
// fires, the members still running are aborted with a timeout (their sleeps reject inside
// the timer's callback, their timers cleared), their cleanup runs in the microtasks after
// that callback, and the group rejects with the timeout once they have ended. A member that
// ended in time keeps its result. A timer due at the same time but created after the
// deadline runs after all that.
const { setTimeout: sleep } = require('timers/promises');
const signal = AbortSignal.timeout(50);
function code(e) { return e.cause && e.cause.name === 'TimeoutError' ? 'ETIMEDOUT' : e.name; }
async function member(name, ms) {
  try {
    if (ms === 0) await null;
    else await sleep(ms, undefined, { signal });
  } catch (e) {
    console.log(name, 'cancelled', code(e));
    throw e;
  }
  console.log(name, 'done');
}
const members = [member('quick', 0), member('slow', 1000), member('slower', 2000)];
(async () => {
  await Promise.allSettled(members);
  console.log('group', signal.aborted ? 'ETIMEDOUT' : 'ok');
})();
setTimeout(() => { console.log('timeout 50'); queueMicrotask(() => console.log('microtask')); }, 50);
console.log('sync end');
