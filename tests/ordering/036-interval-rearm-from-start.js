// SEMANTICS 5.4: an interval is re-armed from the moment its callback starts, not from when it returns.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let n = 0;
const iv = setInterval(() => {
  n++;
  console.log('interval ' + n);
  if (n === 1) {
    // Both deadlines count from this callback's start: the interval's next call at +100,
    // this timer at +140; re-arming from the callback's end would put the interval at +180.
    setTimeout(() => console.log('timer 140 from the start of interval 1'), 140);
    busyWait(80);
  } else {
    clearInterval(iv);
  }
}, 100);
