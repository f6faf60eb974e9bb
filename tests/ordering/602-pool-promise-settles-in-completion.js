// SEMANTICS 3 + 4 + 6 + 9: a thread-pool job's promise settles in the job's completion macrotask: its reactions, and the microtasks and ticks they queue, drain before the immediate queued beside them, which runs before a 0 ms timer
const crypto = require('crypto');
const util = require('util');
const pbkdf2 = util.promisify(crypto.pbkdf2);
pbkdf2('pw', 'salt', 1, 8, 'sha256').then(() => {
  console.log('fulfilled');
  setTimeout(() => console.log('timeout'), 0);
  setImmediate(() => {
    console.log('immediate');
    Promise.resolve().then(() => console.log('micro-from-immediate'));
  });
  process.nextTick(() => console.log('tick'));
  Promise.resolve().then(() => console.log('micro'));
}).then(() => console.log('then2'));
