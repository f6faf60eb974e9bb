// SEMANTICS 5.4 (node's timer lists): node re-inserts an interval after its callback returns, so a same-delay timer that callback created runs first.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let n = 0;
const iv = setInterval(() => {
  n++;
  console.log('interval ' + n);
  if (n === 1) {
    busyWait(3);
    setTimeout(() => console.log('timer created 3 ms into interval 1'), 1);
    busyWait(5);
  } else {
    clearInterval(iv);
  }
}, 1);
