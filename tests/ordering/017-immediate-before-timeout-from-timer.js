// SEMANTICS 4 (consequences): an immediate queued from a timer callback runs before a 0 ms timer queued there.
setTimeout(() => {
  console.log('timer');
  setTimeout(() => console.log('timeout 0 from timer'), 0);
  setImmediate(() => console.log('immediate from timer'));
}, 1);
