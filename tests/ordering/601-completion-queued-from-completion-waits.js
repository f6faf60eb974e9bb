// SEMANTICS 3 + 4 + 9: work queued from a completion completes in a later poll phase, after the immediates queued beside it; each completion drains its own ticks and microtasks
const crypto = require('crypto');
crypto.pbkdf2('pw', 'salt', 1, 8, 'sha256', () => {
  console.log('done1');
  crypto.pbkdf2('pw', 'salt', 1, 8, 'sha256', () => {
    console.log('done2');
    Promise.resolve().then(() => console.log('micro2'));
    setImmediate(() => console.log('immediate2'));
  });
  setImmediate(() => console.log('immediate1'));
  Promise.resolve().then(() => console.log('micro1'));
});
