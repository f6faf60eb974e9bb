// SEMANTICS 5.4: an interval whose callback overruns the period gets one late call per timers phase, never a burst.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let n = 0;
const iv = setInterval(() => {
  n++;
  console.log('interval ' + n);
  const k = n;
  setImmediate(() => console.log('immediate ' + k));
  if (n === 4) clearInterval(iv);
  else busyWait(10);
}, 2);
