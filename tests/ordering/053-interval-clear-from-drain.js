// SEMANTICS 5.4-5.5: an interval cleared from a tick of its own callback never runs again; one cleared from an immediate it queued neither.
let n = 0, m = 0, b = null;
const a = setInterval(() => {
  n++;
  console.log('interval A ' + n);
  if (n === 2) process.nextTick(() => {
    console.log('tick clears A, starts B');
    clearInterval(a);
    b = setInterval(() => {
      m++;
      console.log('interval B ' + m);
      setImmediate(() => { console.log('immediate clears B'); clearInterval(b); });
    }, 1);
  });
}, 5);
