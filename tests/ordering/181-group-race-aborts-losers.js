// Task groups, race: the first member to end (here one that awaits nothing but a turn)
// wins; in the turn its end is seen the others are aborted (timers/promises sleeps reject
// inside abort() and their timers are cleared), their cleanup runs one turn later, and the
// group settles like the winner once the last loser's end is seen. The aborted timers
// never fire.
const { setTimeout: sleep } = require('timers/promises');
const ac = new AbortController();
async function sleeper(name, ms) {
  try {
    if (ms === 0) await null;
    else await sleep(ms, undefined, { signal: ac.signal });
  } catch (e) {
    console.log(name, 'cancelled');
    throw e;
  }
  console.log(name, 'woke');
  return name;
}
let winner;
const members = [sleeper('slow', 200), sleeper('fast', 0), sleeper('mid', 100)];
for (const p of members) {
  p.then((v) => { if (!ac.signal.aborted) { winner = v; ac.abort(); } },
         () => {});
}
(async () => {
  await Promise.allSettled(members);
  console.log('group won by', winner);
})();
setTimeout(() => console.log('timeout 300'), 300);
console.log('sync end');
