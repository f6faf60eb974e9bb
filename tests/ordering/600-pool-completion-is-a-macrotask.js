// SEMANTICS 3 + 4 + 9: a thread-pool completion is a macrotask of the poll phase: its ticks and microtasks drain right after it, and an immediate it queues runs before a 0 ms timer it queues
const crypto = require('crypto');
crypto.pbkdf2('pw', 'salt', 1, 8, 'sha256', () => {
  console.log('done');
  setTimeout(() => console.log('timeout'), 0);
  setImmediate(() => {
    console.log('immediate');
    process.nextTick(() => console.log('tick-from-immediate'));
  });
  Promise.resolve().then(() => console.log('micro'));
  process.nextTick(() => console.log('tick'));
});
