// SEMANTICS 5.3-5.4: an interval and a timeout created with the same delay fire in creation order; the interval then repeats.
let n = 0;
const iv = setInterval(() => {
  n++;
  console.log('interval ' + n);
  if (n === 3) clearInterval(iv);
}, 10);
setTimeout(() => console.log('timeout 10'), 10);
