// SEMANTICS 5.4-5.5: an interval cleared from a tick of its own callback never runs again; one cleared from an immediate neither.
let n = 0, m = 0;
const a = setInterval(() => {
  n++;
  console.log('interval A ' + n);
  if (n === 2) process.nextTick(() => { console.log('tick clears A'); clearInterval(a); });
}, 5);
const b = setInterval(() => {
  m++;
  console.log('interval B ' + m);
  if (m === 1) setTimeout(() => {
    console.log('timer 30 queues the clearing immediate');
    setImmediate(() => { console.log('immediate clears B'); clearInterval(b); });
  }, 30);
}, 20);
