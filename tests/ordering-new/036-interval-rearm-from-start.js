// SEMANTICS 5.4: an interval is re-armed from the moment its callback starts, not from when it returns.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let n = 0;
const iv = setInterval(() => {
  n++;
  console.log('interval ' + n);
  if (n === 1) busyWait(40);
}, 50);
setTimeout(() => {
  console.log('timer 120 clears the interval');
  clearInterval(iv);
}, 120);
